import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoLabSpec } from '../../src-main/pool/demo';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';
import { Journal } from '../../src-main/pool/storage/journal';
import { ADMIN, openTestPool, TEST_AUTH } from '../support/pool-fixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A saved demo lab with one acknowledged write on g5's LUN 1. */
async function savedLab(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'xdc-corrupt-'));
  dirs.push(dir);
  const t = await openTestPool({ dir });
  const w = await t.pool.dcli('g5', 'dcli io write 1 --offset 0 --length 65536 --seed 77', ADMIN);
  expect(w.exitCode).toBe(0);
  await t.pool.close();
  return dir;
}

const open = (dir: string) =>
  Pool.open({ labDir: dir, clock: new VirtualClock(), spec: demoLabSpec(), auth: TEST_AUTH });

/** Opening must fail naming `file`, and must leave the damaged bytes where they were. */
async function expectRefused(dir: string, file: string, code: RegExp = /ERR_LAB_CORRUPT/) {
  const before = readFileSync(file);
  const err = await open(dir).then(
    async (p) => {
      await p.close();
      return null;
    },
    (e: unknown) => e as Error & { code?: string },
  );
  expect(err, `${file} was accepted`).not.toBeNull();
  expect(err!.message).toContain(file);
  expect(`${err!.code}: ${err!.message}`).toMatch(code);
  expect(readFileSync(file).equals(before), `${file} was rewritten by a failed open`).toBe(true);
}

describe('a torn or corrupt lab file', () => {
  it('a lab.json cut in half is refused naming lab.json, never replaced by a new lab', async () => {
    const dir = await savedLab();
    const f = join(dir, 'lab.json');
    truncateSync(f, Math.floor(readFileSync(f).length / 2));
    await expectRefused(dir, f);
  });

  it('a lab.json that parses but names a host that does not exist is refused naming lab.json', async () => {
    const dir = await savedLab();
    const f = join(dir, 'lab.json');
    const spec = JSON.parse(readFileSync(f, 'utf8')) as { volumeServerHost: string };
    spec.volumeServerHost = 'h99';
    writeFileSync(f, JSON.stringify(spec));
    await expectRefused(dir, f);
  });

  it('a torn storage/metadata.json checkpoint is refused naming it', async () => {
    const dir = await savedLab();
    const f = join(dir, 'storage', 'metadata.json');
    truncateSync(f, Math.floor(readFileSync(f).length / 3));
    await expectRefused(dir, f);
  });

  it('a metadata.journal damaged before its last record is refused naming it; a torn LAST record is cut off and the lab opens with its data', async () => {
    const dir = await savedLab();
    const f = join(dir, 'storage', 'metadata.journal');
    const pristine = readFileSync(f);
    const { journal } = Journal.open(f);
    journal.append({ t: 'noop-a', pad: 'x'.repeat(64) });
    journal.append({ t: 'noop-b', pad: 'y'.repeat(64) });
    journal.close();
    const bytes = readFileSync(f);
    // Flip a byte inside the first added record's payload: damage that is not a torn tail.
    bytes[pristine.length + 20] = bytes[pristine.length + 20]! ^ 0xff;
    writeFileSync(f, bytes);
    await expectRefused(dir, f);

    // Torn tail: the real journal plus half a frame (a crash mid-append, never acknowledged).
    writeFileSync(f, Buffer.concat([pristine, bytes.subarray(pristine.length, pristine.length + 10)]));
    const p = await open(dir);
    try {
      const ok = await p.dcli('g5', 'dcli io verify 1 --offset 0 --length 65536 --seed 77', ADMIN);
      expect(ok.exitCode).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('a central/xdc.db whose header is garbage, or that is cut short, is refused naming it', async () => {
    const dir = await savedLab();
    const f = join(dir, 'central', 'xdc.db');
    const keep = `${f}.orig`;
    copyFileSync(f, keep);
    const bytes = readFileSync(f);
    bytes.fill(0x5a, 0, 100);
    writeFileSync(f, bytes);
    await expectRefused(dir, f);
    copyFileSync(keep, f);
    truncateSync(f, Math.floor(bytes.length / 2));
    await expectRefused(dir, f);
    rmSync(keep);
  });
});
