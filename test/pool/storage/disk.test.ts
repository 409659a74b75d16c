import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FreeSpace } from '../../../src-main/pool/storage/free-space';
import { SharedDisks } from '../../../src-main/pool/storage/shared-disks';
import { LabFixture, MiB, pattern } from './lab-fixture';

describe('shared disks', () => {
  let lab: LabFixture | undefined;
  afterEach(() => lab?.dispose());

  it('a new 64 GiB disk is a sparse file: full size, almost no blocks', () => {
    lab = new LabFixture({ d1: 64 * 1024 * MiB });
    const st = statSync(lab.disks.get('d1').path);
    expect(st.size).toBe(64 * 1024 * MiB);
    expect(st.blocks * 512).toBeLessThan(MiB);
  });

  it('bytes written at an offset are in the disk file at that offset, and read back', () => {
    lab = new LabFixture({ d1: 4 * MiB });
    const d = lab.disks.get('d1');
    const data = pattern(5000, 3);
    d.writeAt(data, 0, data.length, 3 * MiB + 7);
    const file = readFileSync(d.path);
    expect(file.subarray(3 * MiB + 7, 3 * MiB + 7 + 5000).equals(data)).toBe(true);
    const back = Buffer.alloc(5000);
    d.readAt(back, 0, 5000, 3 * MiB + 7);
    expect(back.equals(data)).toBe(true);
  });

  it('a failed disk refuses every I/O with ERR_IO naming the disk, until restored', () => {
    lab = new LabFixture({ d1: MiB, d2: MiB });
    lab.disks.fail('d2', 'disk-fail fault');
    const buf = Buffer.alloc(512);
    expect(() => lab!.disks.get('d2').readAt(buf, 0, 512, 0)).toThrow(/disk d2 has failed/);
    try {
      lab.disks.get('d2').writeAt(buf, 0, 512, 0);
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_IO');
    }
    expect(() => lab!.disks.get('d2').fsync()).toThrow(/has failed/);
    expect(lab.disks.list().find((d) => d.id === 'd2')?.state).toBe('failed');
    lab.disks.get('d1').readAt(buf, 0, 512, 0);
    lab.disks.restore('d2');
    lab.disks.get('d2').readAt(buf, 0, 512, 0);
  });

  it('I/O outside the disk is an ERR_IO, never a silent short read', () => {
    lab = new LabFixture({ d1: MiB });
    expect(() => lab!.disks.get('d1').readAt(Buffer.alloc(10), 0, 10, MiB - 5)).toThrow(/outside the disk/);
  });

  it('disks are found again by reopening the folder', () => {
    lab = new LabFixture({ d1: 2 * MiB, d2: 3 * MiB });
    const again = SharedDisks.open(lab.dir);
    expect(again.list().map((d) => [d.id, d.sizeBytes])).toEqual([
      ['d1', 2 * MiB],
      ['d2', 3 * MiB],
    ]);
    again.close();
    expect(() => lab!.disks.create('d1', MiB)).toThrow(/already exists/);
    expect(() => lab!.disks.create('bad/id', MiB)).toThrow(/not valid/);
  });
});

describe('free extents of a disk group', () => {
  it('first fit takes one hole that fits, else spans holes and disks', () => {
    const f = new FreeSpace([
      { id: 'a', sizeBytes: 4 * MiB },
      { id: 'b', sizeBytes: 4 * MiB },
    ]);
    const one = f.planVolume(3 * MiB)!;
    expect(one).toEqual([{ diskId: 'a', offset: 0, length: 3 * MiB }]);
    for (const e of one) f.reserve(e);
    const span = f.planVolume(2 * MiB)!;
    expect(span).toEqual([{ diskId: 'b', offset: 0, length: 2 * MiB }]);
    const big = f.planVolume(5 * MiB)!;
    expect(big).toEqual([
      { diskId: 'a', offset: 3 * MiB, length: MiB },
      { diskId: 'b', offset: 0, length: 4 * MiB },
    ]);
    expect(f.planVolume(6 * MiB)).toBeNull();
  });

  it('released ranges merge with their neighbours and double use is caught', () => {
    const f = new FreeSpace([{ id: 'a', sizeBytes: 4 * MiB }]);
    f.reserve({ diskId: 'a', offset: 0, length: 4 * MiB });
    expect(f.freeBytes).toBe(0);
    f.release({ diskId: 'a', offset: MiB, length: MiB });
    f.release({ diskId: 'a', offset: 3 * MiB, length: MiB });
    f.release({ diskId: 'a', offset: 2 * MiB, length: MiB });
    expect(f.planVolume(3 * MiB)).toEqual([{ diskId: 'a', offset: MiB, length: 3 * MiB }]);
    expect(() => f.release({ diskId: 'a', offset: 2 * MiB, length: MiB })).toThrow(/freed twice/);
    expect(() => f.reserve({ diskId: 'a', offset: 0, length: 2 * MiB })).toThrow(/not free/);
    expect(f.planChunk()).toEqual({ diskId: 'a', offset: 4 * MiB - 65536, length: 65536 });
  });
});
