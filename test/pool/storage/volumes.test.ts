import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { XdcError } from '../../../src-main/pool/errors';
import { diskGroup, LabFixture, MiB, pattern } from './lab-fixture';

const CHUNK = 64 * 1024;

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return `${(e as XdcError).code}: ${(e as XdcError).message}`;
  }
  return 'no error';
}

describe('volumes on a disk group of three disks', () => {
  let lab: LabFixture;
  afterEach(() => lab.dispose());

  it('a volume larger than the free space left on one disk spans two disks, and its bytes land in both files', async () => {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB, d3: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3']);
    await lab.server.vdiCreate('dg1', 'v0', 5 * MiB);
    // no single hole holds 10 MiB: first fit fills d1's 3 MiB hole, then d2
    const v = await lab.server.vdiCreate('dg1', 'v1', 10 * MiB, { name: 'exchange data' });
    expect(v.diskIds).toEqual(['d1', 'd2']);
    expect(v.extents).toEqual([
      { diskId: 'd1', offset: 5 * MiB, length: 3 * MiB },
      { diskId: 'd2', offset: 0, length: 7 * MiB },
    ]);
    const h1 = lab.client('h1');
    await h1.acquire('v1');
    const data = pattern(2 * MiB, 1);
    await h1.write('v1', 2 * MiB, data); // logical 2..4 MiB: last MiB of d1's extent + first MiB on d2
    const d1 = readFileSync(lab.disks.get('d1').path);
    const d2 = readFileSync(lab.disks.get('d2').path);
    expect(d1.subarray(7 * MiB, 8 * MiB).equals(data.subarray(0, MiB))).toBe(true);
    expect(d2.subarray(0, MiB).equals(data.subarray(MiB))).toBe(true);
    expect((await h1.read('v1', 2 * MiB, 2 * MiB)).equals(data)).toBe(true);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(24 * MiB - 15 * MiB);
  });

  it('sizes round up to whole MiB and a full group says so in a sentence', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB });
    await diskGroup(lab, ['d1', 'd2']);
    const v = await lab.server.vdiCreate('dg1', 'v1', 1000);
    expect(v.sizeBytes).toBe(MiB);
    expect(await codeOf(lab.server.vdiCreate('dg1', 'v2', 8 * MiB))).toMatch(
      /^ERR_NO_SPACE: disk group dg1 cannot hold a 8 MiB volume: 7 MiB free of 8 MiB on 2 disks/,
    );
    expect(await codeOf(lab.server.vdiCreate('dg1', 'v1', MiB))).toMatch(
      /^ERR_CONFLICT: .*v1 already exists/,
    );
    expect(await codeOf(lab.server.vdiCreate('dg1', 'v3', -1))).toMatch(/^ERR_BAD_REQUEST/);
    expect(await codeOf(lab.server.vdiCreate('nope', 'v3', MiB))).toMatch(/^ERR_NOT_FOUND: disk group nope/);
  });

  it('a snapshot keeps its content while the volume is overwritten; only touched chunks are copied', async () => {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB, d3: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3']);
    await lab.server.vdiCreate('dg1', 'v1', 4 * MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    const before = pattern(4 * MiB, 7);
    await c.write('v1', 0, before);
    const free0 = lab.server.getDiskGroup('dg1').freeBytes;
    const s1 = await lab.server.vdiSnapshot('v1', { snapId: 's1', name: 'before upgrade' });
    expect(s1).toMatchObject({
      id: 's1',
      parentId: 'v1',
      cowBytes: 0,
      sizeBytes: 4 * MiB,
      consistency: 'crash',
    });
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(free0); // O(1): no data, no map
    const after = pattern(100_000, 9);
    await c.write('v1', CHUNK - 10, after); // touches chunks 0, 1 and 2
    await c.write('v1', CHUNK, pattern(10, 1)); // chunk 1 again: already preserved
    expect(lab.server.getSnapshot('s1').cowBytes).toBe(3 * CHUNK);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(free0 - 3 * CHUNK);
    expect((await c.readSnapshot('s1', 0, 4 * MiB)).equals(before)).toBe(true);
    const expected = Buffer.from(before);
    after.copy(expected, CHUNK - 10);
    pattern(10, 1).copy(expected, CHUNK);
    expect((await c.read('v1', 0, 4 * MiB)).equals(expected)).toBe(true);
    expect(await codeOf(() => lab.role.dataPath.write('s1', 'h1', 0, Buffer.alloc(1)))).toMatch(
      /^ERR_CONFLICT: s1 is a snapshot/,
    );
  });

  it('two snapshots: deleting either keeps the other right and gives its space back', async () => {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB, d3: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    const a = pattern(2 * MiB, 1);
    await c.write('v1', 0, a);
    await lab.server.vdiSnapshot('v1', { snapId: 'old' });
    const b = Buffer.from(a);
    pattern(3 * CHUNK, 2).copy(b, 0);
    await c.write('v1', 0, b.subarray(0, 3 * CHUNK)); // old gets chunks 0-2
    await lab.server.vdiSnapshot('v1', { snapId: 'new' });
    const cur = Buffer.from(b);
    pattern(4 * CHUNK, 3).copy(cur, 2 * CHUNK);
    await c.write('v1', 2 * CHUNK, cur.subarray(2 * CHUNK, 6 * CHUNK)); // new gets chunks 2-5
    expect(lab.server.getSnapshot('old').cowBytes).toBe(3 * CHUNK);
    expect(lab.server.getSnapshot('new').cowBytes).toBe(4 * CHUNK);

    const free = lab.server.getDiskGroup('dg1').freeBytes;
    await lab.server.vdiDelete('new'); // chunks 3-5 move to old (it lacked them), chunk 2 is freed
    expect(lab.server.getSnapshot('old').cowBytes).toBe(6 * CHUNK);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(free + CHUNK);
    expect((await c.readSnapshot('old', 0, 2 * MiB)).equals(a)).toBe(true);
    expect((await c.read('v1', 0, 2 * MiB)).equals(cur)).toBe(true);

    await lab.server.vdiSnapshot('v1', { snapId: 'third' });
    await c.write('v1', 0, Buffer.alloc(CHUNK, 0xee));
    await lab.server.vdiDelete('old'); // the oldest: everything it held is freed
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(free + CHUNK + 6 * CHUNK - CHUNK);
    expect((await c.readSnapshot('third', 0, 2 * MiB)).equals(cur)).toBe(true);
    await lab.server.vdiDelete('third');
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(24 * MiB - 2 * MiB);
    expect((await lab.server.srScan('dg1')).problems).toEqual([]);
  });

  it('a clone reads through its snapshot, writes to its own chunks, and leaves snapshot and origin alone', async () => {
    lab = new LabFixture({ d1: 8 * MiB, d2: 8 * MiB, d3: 8 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    const h1 = lab.client('h1');
    const h2 = lab.client('h2');
    await h1.acquire('v1');
    const a = pattern(2 * MiB, 4);
    await h1.write('v1', 0, a);
    await lab.server.vdiSnapshot('v1', { snapId: 's1' });
    const free = lab.server.getDiskGroup('dg1').freeBytes;
    const k = await lab.server.vdiClone('s1', { cloneId: 'k1', name: 'test copy' });
    expect(k).toMatchObject({ kind: 'clone', baseSnapshotId: 's1', sizeBytes: 2 * MiB, allocatedBytes: 0 });
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(free); // thin: nothing copied
    await h2.acquire('k1');
    expect((await h2.read('k1', 0, 2 * MiB)).equals(a)).toBe(true);
    const w = pattern(70_000, 5);
    await h2.write('k1', 100_000, w); // chunks 1 and 2
    expect(lab.server.getVolume('k1').allocatedBytes).toBe(2 * CHUNK);
    const expected = Buffer.from(a);
    w.copy(expected, 100_000);
    expect((await h2.read('k1', 0, 2 * MiB)).equals(expected)).toBe(true);
    expect((await h1.readSnapshot('s1', 0, 2 * MiB)).equals(a)).toBe(true);
    expect((await h1.read('v1', 0, 2 * MiB)).equals(a)).toBe(true);
    // the origin changes later: the clone still sees the snapshot's content
    await h1.write('v1', 0, Buffer.alloc(2 * MiB, 1));
    expect((await h2.read('k1', 0, 2 * MiB)).equals(expected)).toBe(true);

    expect(await codeOf(lab.server.vdiDelete('s1'))).toBe(
      'ERR_CONFLICT: snapshot s1 cannot be deleted: clones k1 read through it; delete them first',
    );
    // a clone can be snapshotted and cloned again
    await lab.server.vdiSnapshot('k1', { snapId: 'k1s' });
    await h2.write('k1', 0, Buffer.alloc(CHUNK, 9));
    expect((await h2.readSnapshot('k1s', 0, 2 * MiB)).equals(expected)).toBe(true);
    await lab.server.vdiClone('k1s', { cloneId: 'k2' });
    expect((await lab.server.getVolume('k2')).baseSnapshotId).toBe('k1s');
    await h1.acquire('k2');
    expect((await h1.read('k2', 0, 2 * MiB)).equals(expected)).toBe(true);
  });

  it('a clone of a volume takes an internal snapshot first, which goes away with the clone', async () => {
    lab = new LabFixture({ d1: 8 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'v1', MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    await c.write('v1', 0, pattern(MiB, 2));
    const k = await lab.server.vdiClone('v1', { cloneId: 'k' });
    expect(k.baseSnapshotId).toBe('k.base');
    expect(lab.server.getSnapshot('k.base')).toMatchObject({ internal: true, clones: ['k'] });
    await c.write('v1', 0, Buffer.alloc(MiB));
    await c.acquire('k');
    expect((await c.read('k', 0, MiB)).equals(pattern(MiB, 2))).toBe(true);
    await c.release('k');
    await c.detach('k');
    await lab.server.vdiDelete('k');
    expect(lab.server.listSnapshots('v1')).toEqual([]);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(7 * MiB);
  });

  it('resize grows a volume (new space reads as zeros) and refuses to shrink below used data', async () => {
    lab = new LabFixture({ d1: 4 * MiB, d2: 4 * MiB });
    await diskGroup(lab, ['d1', 'd2']);
    await lab.server.vdiCreate('dg1', 'v0', 2 * MiB);
    await lab.server.vdiCreate('dg1', 'v1', MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    await c.write('v1', 0, pattern(MiB, 6));
    const grown = await lab.server.vdiResize('v1', 3 * MiB);
    expect(grown.sizeBytes).toBe(3 * MiB);
    expect(grown.diskIds).toEqual(['d1', 'd2']);
    expect(c.sizeOf('v1')).toBe(3 * MiB);
    expect((await c.read('v1', 0, MiB)).equals(pattern(MiB, 6))).toBe(true);
    await c.write('v1', 2 * MiB + 5, Buffer.from('tail'));
    expect(await codeOf(lab.server.vdiResize('v1', 2 * MiB))).toBe(
      `ERR_CONFLICT: cannot shrink v1 to 2 MiB: it holds data at byte ${2 * MiB + 5}, and shrinking below used data would destroy it`,
    );
    await c.write('v1', 2 * MiB + 5, Buffer.alloc(4));
    await lab.server.vdiSnapshot('v1', { snapId: 's' });
    expect(await codeOf(lab.server.vdiResize('v1', 2 * MiB))).toMatch(
      /snapshot s \(3 MiB\) still reads those bytes/,
    );
    await lab.server.vdiDelete('s');
    const shrunk = await lab.server.vdiResize('v1', 2 * MiB);
    expect(shrunk.sizeBytes).toBe(2 * MiB);
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(4 * MiB);
    expect(await codeOf(c.read('v1', 2 * MiB, 1))).toMatch(/^ERR_BAD_REQUEST: .*past the end of v1/);
    expect(await codeOf(lab.server.vdiResize('v1', 100 * MiB))).toMatch(
      /^ERR_NO_SPACE: disk group dg1 cannot grow v1/,
    );
  });

  it('a write needing a COW chunk in a full group fails with ERR_NO_SPACE and changes nothing', async () => {
    lab = new LabFixture({ d1: 2 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'v1', 2 * MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    await c.write('v1', 0, Buffer.alloc(CHUNK, 5));
    await lab.server.vdiSnapshot('v1', { snapId: 's' });
    expect(await codeOf(c.write('v1', 0, Buffer.alloc(CHUNK, 6)))).toMatch(
      /^ERR_NO_SPACE: disk group dg1 is full: no free 64 KiB chunk to keep snapshot s's copy of v1; the write was refused/,
    );
    expect((await c.read('v1', 0, CHUNK)).equals(Buffer.alloc(CHUNK, 5))).toBe(true);
  });

  it('deleting an owned or attached volume is refused; a deleted volume leaves its snapshots readable', async () => {
    lab = new LabFixture({ d1: 8 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'v1', MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    await c.write('v1', 0, pattern(MiB, 8));
    await lab.server.vdiSnapshot('v1', { snapId: 's' });
    expect(await codeOf(lab.server.vdiDelete('v1'))).toBe(
      'ERR_CONFLICT: volume v1 is owned by host h1 (host_h1=RW); it cannot be deleted',
    );
    await c.release('v1');
    expect(await codeOf(lab.server.vdiDelete('v1'))).toBe(
      'ERR_CONFLICT: volume v1 is attached on h1; detach it first',
    );
    await c.detach('v1');
    await lab.server.vdiDelete('v1');
    expect(lab.server.listVolumes()).toEqual([]);
    expect(lab.server.listSnapshots()[0]).toMatchObject({ id: 's', parentId: 'v1', parentDeleted: true });
    expect((await c.readSnapshot('s', 0, MiB)).equals(pattern(MiB, 8))).toBe(true);
    expect(await codeOf(c.acquire('v1'))).toMatch(/^ERR_NOT_FOUND: volume v1 does not exist/);
    await lab.server.vdiDelete('s');
    expect(lab.server.getDiskGroup('dg1').freeBytes).toBe(8 * MiB);
    await lab.server.srDetach('dg1', 'h1');
    await lab.server.srDetach('dg1', 'h2');
    await lab.server.srDelete('dg1');
    expect(lab.server.listDisks().map((d) => d.diskGroupId)).toEqual([null]);
  });

  it('a failed disk under a volume gives ERR_IO on I/O and a restored one works again', async () => {
    lab = new LabFixture({ d1: 2 * MiB, d2: 2 * MiB });
    await diskGroup(lab, ['d1', 'd2']);
    await lab.server.vdiCreate('dg1', 'v1', 3 * MiB);
    const c = lab.client('h1');
    await c.acquire('v1');
    lab.disks.fail('d2');
    await c.write('v1', 0, Buffer.alloc(10, 1)); // on d1: fine
    expect(await codeOf(c.write('v1', 2 * MiB, Buffer.alloc(10)))).toMatch(/^ERR_IO: disk d2 has failed/);
    expect(await codeOf(c.read('v1', MiB, 2 * MiB))).toMatch(/^ERR_IO: disk d2 has failed/);
    expect(lab.server.listDisks().find((d) => d.id === 'd2')).toMatchObject({
      state: 'failed',
      diskGroupId: 'dg1',
    });
    lab.disks.restore('d2');
    await c.write('v1', 2 * MiB, Buffer.alloc(10, 2));
    expect((await c.read('v1', 2 * MiB, 10)).equals(Buffer.alloc(10, 2))).toBe(true);
  });
});
