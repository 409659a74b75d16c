import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { XdcError } from '../../../src-main/pool/errors';
import { encode } from '../../../src-main/pool/storage/journal';
import { diskGroup, LabFixture, MiB, pattern } from './lab-fixture';

const CHUNK = 64 * 1024;

function errorOf(fn: () => unknown): XdcError {
  try {
    fn();
  } catch (e) {
    return e as XdcError;
  }
  throw new Error('expected an error');
}

/** A small pool with a volume, a clone, two snapshots and an owner: something worth losing. */
async function populate(lab: LabFixture, withGroup = true) {
  if (withGroup) await diskGroup(lab, ['d1', 'd2', 'd3']);
  await lab.server.vdiCreate('dg1', 'v1', 3 * MiB);
  const c = lab.client('h1');
  await c.acquire('v1');
  await c.write('v1', 0, pattern(3 * MiB, 1));
  await lab.server.vdiSnapshot('v1', { snapId: 's1', setId: 'set-1', consistency: 'application' });
  await c.write('v1', MiB, pattern(200_000, 2));
  await lab.server.vdiSnapshot('v1', { snapId: 's2' });
  await c.write('v1', 0, pattern(CHUNK * 3, 3));
  await lab.server.vdiClone('s1', { cloneId: 'k1' });
  const c2 = lab.client('h2');
  await c2.acquire('k1');
  await c2.write('k1', 5000, pattern(90_000, 4));
  return {
    v1: await c.read('v1', 0, 3 * MiB),
    s1: await c.readSnapshot('s1', 0, 3 * MiB),
    s2: await c.readSnapshot('s2', 0, 3 * MiB),
    k1: await c2.read('k1', 0, 3 * MiB),
    volumes: lab.server.listVolumes(),
    snapshots: lab.server.listSnapshots(),
    groups: lab.server.listDiskGroups(),
  };
}

async function expectSame(lab: LabFixture, before: Awaited<ReturnType<typeof populate>>) {
  expect(lab.server.listVolumes()).toEqual(before.volumes);
  expect(lab.server.listSnapshots()).toEqual(before.snapshots);
  expect(lab.server.listDiskGroups()).toEqual(before.groups);
  const io = lab.role.dataPath;
  expect(io.read('v1', 'h1', 0, 3 * MiB).equals(before.v1)).toBe(true);
  expect(io.read('s1', 'h1', 0, 3 * MiB).equals(before.s1)).toBe(true);
  expect(io.read('s2', 'h1', 0, 3 * MiB).equals(before.s2)).toBe(true);
  expect(io.read('k1', 'h2', 0, 3 * MiB).equals(before.k1)).toBe(true);
  expect((await lab.server.srScan('dg1')).problems).toEqual([]);
}

describe('storage metadata survives close, crash and damage', () => {
  let lab: LabFixture;
  afterEach(() => lab.dispose());

  it('close and reopen the lab folder: every disk, volume, snapshot, tag and byte is back', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB, d3: 4 * MiB });
    const before = await populate(lab);
    lab.reopen();
    expect(readFileSync(join(lab.dir, 'storage', 'metadata.journal')).length).toBe(0);
    expect(lab.disks.list().map((d) => d.id)).toEqual(['d1', 'd2', 'd3']);
    await expectSame(lab, before);
    expect(lab.server.getVolume('v1').ownerTag).toBe('host_h1=RW');
    expect(lab.server.getSnapshot('s1')).toMatchObject({ setId: 'set-1', consistency: 'application' });
  });

  it('a crash without checkpoint loses nothing acknowledged: the journal is replayed', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB, d3: 4 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3']);
    lab.server.checkpoint(); // a checkpoint in the middle, then more journal
    const before = await populate(lab, false);
    lab.crashAndReopen();
    await expectSame(lab, before);
    // and it keeps working after replay, then again after a clean reopen
    await lab.server.vdiDelete('s2');
    lab.reopen();
    expect(lab.server.listSnapshots().map((s) => s.id)).toEqual(['s1']);
    expect(lab.role.dataPath.read('s1', 'h1', 0, 3 * MiB).equals(before.s1)).toBe(true);
  });

  it('a torn last journal record is ignored and cut off; the lab opens and keeps journaling', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB, d3: 4 * MiB });
    const before = await populate(lab);
    lab.crashAndReopen();
    const journal = join(lab.dir, 'storage', 'metadata.journal');
    lab.crashAndReopen(); // the journal still holds everything (no checkpoint on crash)
    const frame = encode({ s: 999, t: 'vdi_delete', vdi: 'v1' });
    lab.role.hostDown('h1');
    appendFileSync(journal, frame.subarray(0, frame.length - 3)); // the process died mid-append
    const size = readFileSync(journal).length;
    lab.crashAndReopen();
    expect(readFileSync(journal).length).toBe(size - (frame.length - 3));
    await expectSame(lab, before);
    await lab.server.vdiSnapshot('v1', { snapId: 's3' });
    lab.crashAndReopen();
    expect(lab.server.getSnapshot('s3').parentId).toBe('v1');
  });

  it('a damaged record before the end of the journal is ERR_LAB_CORRUPT naming the file, not a reset', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB, d3: 4 * MiB });
    await populate(lab);
    lab.role.hostDown('h1');
    const journal = join(lab.dir, 'storage', 'metadata.journal');
    const bytes = readFileSync(journal);
    bytes[20] = bytes[20]! ^ 0x40; // inside the first record's payload
    writeFileSync(journal, bytes);
    const e = errorOf(() => lab.crashAndReopen());
    expect(e.code).toBe('ERR_LAB_CORRUPT');
    expect(e.message).toContain(journal);
    expect(e.message).toMatch(/record 1 at byte 0 has a bad checksum/);
    expect(readFileSync(journal).equals(bytes)).toBe(true); // nothing was thrown away
    bytes[20] = bytes[20]! ^ 0x40; // repaired by hand: it opens again
    writeFileSync(journal, bytes);
    lab.role = lab.openRole('h1');
    expect(lab.server.listVolumes().map((v) => v.id)).toEqual(['v1', 'k1']);
  });

  it('a checkpoint that is not valid JSON, or not a checkpoint, is ERR_LAB_CORRUPT naming it', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB, d3: 4 * MiB });
    await populate(lab);
    lab.reopen();
    const cp = join(lab.dir, 'storage', 'metadata.json');
    const good = readFileSync(cp, 'utf8');
    lab.role.close();
    writeFileSync(cp, good.slice(0, good.length / 2));
    let e = errorOf(() => lab.openRole('h1'));
    expect(e.code).toBe('ERR_LAB_CORRUPT');
    expect(e.message).toMatch(new RegExp(`^${cp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    writeFileSync(cp, JSON.stringify({ ...JSON.parse(good), seq: 'seven' }));
    e = errorOf(() => lab.openRole('h1'));
    expect(e.message).toMatch(/metadata\.json: not a valid storage checkpoint at seq/);
    const overlapping = JSON.parse(good);
    overlapping.vdis[0].extents.push(overlapping.vdis[0].extents[0]);
    writeFileSync(cp, JSON.stringify(overlapping));
    e = errorOf(() => lab.openRole('h1'));
    expect(e.message).toMatch(/metadata\.json: .* is not free \(used twice/);
    writeFileSync(cp, good);
    lab.role = lab.openRole('h1');
    expect(lab.server.listVolumes().map((v) => v.id)).toEqual(['v1', 'k1']);
  });

  it('SIGKILL of the lab process: every acknowledged write and snapshot is there after reopen', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB });
    await diskGroup(lab, ['d1', 'd2'], ['h1']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    await lab.server.vdiSnapshot('v1', { snapId: 's0' });
    lab.role.close();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'crash-writer.ts'), lab.dir, '400'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const acks = out.match(/ack \d+\n/g)?.length ?? 0;
        if (acks >= 150 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => (child.killed ? resolve() : reject(new Error(`crash-writer exited: ${err}`))));
    });
    await new Promise((r) => child.once('close', r));
    const acked = [...out.matchAll(/ack (\d+)\n/g)].map((m) => Number(m[1]));
    const snaps = [...out.matchAll(/snap (\S+) (\d+)\n/g)].map((m) => ({ id: m[1]!, blocks: Number(m[2]) }));
    expect(acked.length).toBeGreaterThanOrEqual(150);
    expect(snaps.length).toBeGreaterThanOrEqual(3);
    lab.disks.close();
    lab.crashAndReopen();
    const io = lab.role.dataPath;
    expect(lab.server.getVolume('v1').ownerTag).toBe('host_h1=RW');
    const live = io.read('v1', 'h1', 0, 2 * MiB);
    for (const i of acked) {
      expect(live.readUInt32LE(i * 4096)).toBe(i);
      expect(live[i * 4096 + 100]).toBe(i & 0xff);
    }
    expect(io.read('s0', 'h1', 0, 2 * MiB).equals(Buffer.alloc(2 * MiB))).toBe(true);
    for (const s of snaps) {
      const snap = io.read(s.id, 'h1', 0, 2 * MiB);
      for (let i = 0; i < 512; i++) {
        const got = snap.readUInt32LE(i * 4096);
        expect(got).toBe(i < s.blocks ? i : 0);
      }
    }
    expect((await lab.server.srScan('dg1')).problems).toEqual([]);
  });
});
