/**
 * The exact inputs behind the lab-files fuzz findings, kept as scenarios:
 *
 * - the "frozen Pool.open": each fuzz case copied the saved lab with fs.cpSync, which wrote the
 *   demo pool's four 8 GiB sparse disk images out as 32 GiB of real zeros, synchronously, so no
 *   fast-check timeout could fire (and /tmp filled up). copyLab keeps holes as holes.
 * - a lab.json whose numbers parse but make no sense (clockMs 1e308 freezes pool time: there,
 *   now + 1000 === now) is refused naming the field.
 * - one byte of storage/metadata.json renaming a volume opened into a bare ERR_NOT_FOUND; now it
 *   is ERR_LAB_CORRUPT naming the storage files, and the damaged file is left as it was.
 * - a guest given a host's id ("h1") failed with ERR_CONFLICT deep in boot; now lab.json is
 *   refused up front.
 */
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLabFolder as copyLab, copySparseFile } from '../../src-main/api/labs';
import { demoLabSpec } from '../../src-main/pool/demo';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';
import { ADMIN, openTestPool, TEST_AUTH } from '../support/pool-fixture';

let root: string;
let saved: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xdc-lab-regress-'));
  saved = join(root, 'saved');
  const t = await openTestPool({ dir: saved });
  const made = await t.clock.run(t.pool.dcli('g4', 'dcli snapshot create lun0 --name s1', ADMIN));
  expect(made.exitCode).toBe(0);
  await t.pool.close();
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function copyOfSaved(): string {
  const dir = join(root, `case-${n++}`);
  copyLab(saved, dir);
  return dir;
}

const open = (dir: string) =>
  Pool.open({ labDir: dir, clock: new VirtualClock(), spec: demoLabSpec(), auth: TEST_AUTH });

async function refusal(dir: string): Promise<Error & { code?: string }> {
  return open(dir).then(
    async (p) => {
      await p.close({ save: false });
      throw new Error(`${dir} opened, but its damage should have been refused`);
    },
    (e: unknown) => e as Error & { code?: string },
  );
}

function editLab(dir: string, edit: (lab: Record<string, unknown>) => void): string {
  const f = join(dir, 'lab.json');
  const lab = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  edit(lab);
  writeFileSync(f, JSON.stringify(lab, null, 2));
  return f;
}

type GuestJson = {
  id: string;
  hostId: string;
  vbds: { lun: number; vdiId: string }[];
  apps: { luns: number[] }[];
};
const guests = (lab: Record<string, unknown>) => lab.guests as GuestJson[];

describe('copying a saved lab for a fuzz case (the frozen Pool.open)', () => {
  it("the demo lab's 8 GiB disk images stay holes in the copy: nothing is written out", () => {
    const dir = copyOfSaved();
    for (const d of ['d1', 'd2', 'd3', 'd4']) {
      const src = statSync(join(saved, 'disks', `${d}.img`));
      const dst = statSync(join(dir, 'disks', `${d}.img`));
      expect(src.size).toBe(8 * 1024 ** 3);
      expect(dst.size).toBe(src.size);
      // Allocated bytes: the saved demo lab has none, so the copy must have none either.
      expect(dst.blocks * 512).toBeLessThanOrEqual(src.blocks * 512);
    }
    expect(readFileSync(join(dir, 'lab.json'), 'utf8')).toBe(readFileSync(join(saved, 'lab.json'), 'utf8'));
  });

  it('an image with real data keeps that data at its offset and its holes stay holes', () => {
    const src = join(root, 'data.img');
    const at = 300 * 1024 ** 2 + 7 * 512;
    const marker = Buffer.from('XDC-SECTOR-7-PAYLOAD');
    const fd = openSync(src, 'w');
    writeSync(fd, marker, 0, marker.length, at);
    ftruncateSync(fd, 512 * 1024 ** 2);
    closeSync(fd);
    const dst = join(root, 'data-copy.img');
    expect(copySparseFile(src, dst)).toBe(1 << 20); // the one 1 MiB chunk with data, not 512 MiB
    expect(statSync(dst).size).toBe(512 * 1024 ** 2);
    expect(statSync(dst).blocks * 512).toBeLessThanOrEqual(2 << 20);
    const back = Buffer.alloc(marker.length + 2);
    const rd = openSync(dst, 'r');
    try {
      readSync(rd, back, 0, back.length, at - 1);
    } finally {
      closeSync(rd);
    }
    expect(back).toEqual(Buffer.concat([Buffer.from([0]), marker, Buffer.from([0])]));
  });
});

describe('a lab.json with numbers no pool can have is refused naming the field', () => {
  it('clockMs 1e308 (where now + 1000 === now: pool time would stand still) is refused', async () => {
    const frozen = new VirtualClock();
    frozen.resumeFrom(1e308);
    expect(frozen.now() + 1000).toBe(frozen.now()); // why the bound exists
    const dir = copyOfSaved();
    const f = editLab(dir, (lab) => {
      lab.clockMs = 1e308;
    });
    const before = readFileSync(f);
    const err = await refusal(dir);
    expect(err.code).toBe('ERR_LAB_CORRUPT');
    expect(err.message).toContain(f);
    expect(err.message).toContain('at clockMs');
    expect(readFileSync(f).equals(before)).toBe(true);
  });

  // [what, the field's path in lab.json, the value written there]
  const cases: [string, string, number][] = [
    ['a 1e-300 Mbit/s migration link', 'linkMbps', 1e-300],
    ['a host with 9e15 MiB of memory', 'hosts.0.memoryMiB', 9e15],
    ['an app on LUN 9e15', 'guests.0.apps.0.luns.0', 9e15],
    ['a 1-byte shared disk', 'disks.1.sizeBytes', 1],
    ['a guest dirtying 1e20 MB/s', 'guests.2.dirtyMBps', 1e20],
  ];
  for (const [what, field, value] of cases)
    it(`${what} is refused at ${field}`, async () => {
      const dir = copyOfSaved();
      const f = editLab(dir, (lab) => {
        const keys = field.split('.');
        let at = lab as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
        expect(typeof at[keys.at(-1)!], field).toBe('number');
        at[keys.at(-1)!] = value;
      });
      const err = await refusal(dir);
      expect(`${err.code}: ${err.message}`).toContain(
        `ERR_LAB_CORRUPT: ${f}: not a valid XDC lab description at ${field}:`,
      );
    });
});

describe('a lab.json whose ids clash is refused before the pool boots', () => {
  it('a guest given the id "h1" (a host\'s id: one node on the pool network) is refused naming lab.json', async () => {
    const dir = copyOfSaved();
    const f = editLab(dir, (lab) => {
      guests(lab)[3]!.id = 'h1';
    });
    const err = await refusal(dir);
    expect(err.code).toBe('ERR_LAB_CORRUPT');
    expect(err.message).toBe(`${f}: guest id h1 is also a host's id; the lab was not opened`);
  });

  it('a guest named "central" (the central server\'s node) is refused', async () => {
    const dir = copyOfSaved();
    editLab(dir, (lab) => {
      guests(lab)[0]!.id = 'central';
    });
    expect((await refusal(dir)).message).toContain('guest id central is reserved');
  });

  it('two hosts with one id, or one LUN number twice in a guest, are refused', async () => {
    const twoHosts = copyOfSaved();
    editLab(twoHosts, (lab) => {
      (lab.hosts as { id: string }[])[2]!.id = 'h2';
    });
    expect((await refusal(twoHosts)).message).toContain('host id h2 appears twice');
    const twoLuns = copyOfSaved();
    editLab(twoLuns, (lab) => {
      guests(lab)[0]!.vbds[1]!.lun = 0;
    });
    expect((await refusal(twoLuns)).message).toContain(`guest ${'g1'} has LUN 0 twice`);
  });
});

describe('storage metadata that no longer matches lab.json', () => {
  it('one byte of metadata.json renaming a volume (vol-web01-root -> "vol-web01 root") is ERR_LAB_CORRUPT naming it, and the file is left as it was', async () => {
    const dir = copyOfSaved();
    const f = join(dir, 'storage', 'metadata.json');
    const bytes = readFileSync(f);
    const at = bytes.indexOf('"id":"vol-web01-root"') + '"id":"vol-web01'.length;
    expect(String.fromCharCode(bytes[at]!)).toBe('-');
    bytes[at] = 0x20; // the shrunk fuzz counterexample: a space over one byte
    writeFileSync(f, bytes);
    const err = await refusal(dir);
    expect(err.code).toBe('ERR_LAB_CORRUPT');
    expect(err.message).toContain('names volume vol-web01-root');
    expect(err.message).toContain(f);
    expect(readFileSync(f).equals(bytes), 'a refused lab rewrote its metadata checkpoint').toBe(true);
  });

  it('the undamaged copy opens with its snapshot (the check refuses only real mismatches)', async () => {
    const p = await open(copyOfSaved());
    try {
      expect(p.view().volumes.find((v) => v.id === 'vol-web01-root')).toBeDefined();
      expect(p.view().volumes.some((v) => v.snapshots.length > 0)).toBe(true);
    } finally {
      await p.close({ save: false });
    }
  });
});
