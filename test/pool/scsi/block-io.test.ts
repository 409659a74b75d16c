import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualLun } from '../../../src-main/pool/scsi/virtual-lun';
import {
  BLOCK,
  cdb,
  expectCheck,
  expectGood,
  FileLunBackend,
  fieldPointer,
  MemoryLunBackend,
  pattern,
  readyLun,
} from './helpers';

describe('READ CAPACITY: the size a guest sees', () => {
  it('(10) and (16) report the last LBA and a 512-byte block', async () => {
    const { lun } = readyLun(2048);
    const r10 = await lun.execute(cdb.readCapacity10());
    expectGood(r10);
    expect([r10.data.readUInt32BE(0), r10.data.readUInt32BE(4)]).toEqual([2047, 512]);
    const r16 = await lun.execute(cdb.readCapacity16());
    expectGood(r16);
    expect(r16.data).toHaveLength(32);
    expect(r16.data.readBigUInt64BE(0)).toBe(2047n);
    expect(r16.data.readUInt32BE(8)).toBe(512);
    expect(r16.data.subarray(12).every((b) => b === 0)).toBe(true);
  });

  it('a LUN past 2 TiB answers 0xFFFFFFFF to (10) and the real size to (16)', async () => {
    const blocks = 2 ** 33 + 5; // 4 TiB of 512-byte blocks
    const backend = new MemoryLunBackend(1);
    backend.capacityBlocks = () => blocks;
    const lun = new VirtualLun(backend, { powerOnAttention: false });
    const r10 = await lun.execute(cdb.readCapacity10());
    expect(r10.data.readUInt32BE(0)).toBe(0xffffffff);
    const r16 = await lun.execute(cdb.readCapacity16());
    expect(r16.data.readBigUInt64BE(0)).toBe(BigInt(blocks - 1));
  });

  it('(16) is cut to its allocation length', async () => {
    const { lun } = readyLun(2048);
    const r = await lun.execute(cdb.readCapacity16(12));
    expectGood(r);
    expect(r.data).toHaveLength(12);
    expect(r.data.readUInt32BE(8)).toBe(512);
  });

  it('(10) with PMI=0 and a nonzero LBA is an invalid field', async () => {
    const { lun } = readyLun();
    const s = expectCheck(await lun.execute(Uint8Array.of(0x25, 0, 0, 0, 0, 7, 0, 0, 0, 0)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)?.byte).toBe(2);
  });
});

describe('READ and WRITE: data the guest writes comes back', () => {
  const forms = [
    { name: '6', read: cdb.read6, write: cdb.write6 },
    { name: '10', read: cdb.read10, write: cdb.write10 },
    { name: '16', read: cdb.read16, write: cdb.write16 },
  ];
  for (const f of forms) {
    it(`WRITE(${f.name}) then READ(${f.name}) at LBA 1000 returns the same bytes and lands there`, async () => {
      const { lun, backend } = readyLun(4096);
      const data = pattern(8, Number(f.name));
      expectGood(await lun.execute(f.write(1000, 8), data));
      expect(backend.store.subarray(1000 * BLOCK, 1008 * BLOCK).equals(data)).toBe(true);
      expect(backend.store.subarray(999 * BLOCK, 1000 * BLOCK).every((b) => b === 0)).toBe(true);
      const r = await lun.execute(f.read(1000, 8));
      expectGood(r);
      expect(r.data.equals(data)).toBe(true);
      expect(r.residual).toBe(0);
    });
  }

  it("READ fills the initiator's data-in buffer when it gives one", async () => {
    const { lun } = readyLun(64);
    const data = pattern(2, 5);
    expectGood(await lun.execute(cdb.write10(4, 2), data));
    const dataIn = Buffer.alloc(4 * BLOCK, 0xee);
    const r = await lun.execute(cdb.read16(4, 2), undefined, { dataIn });
    expectGood(r);
    expect(r.data.equals(data)).toBe(true);
    expect(r.data.buffer).toBe(dataIn.buffer);
    expect(dataIn.subarray(0, 2 * BLOCK).equals(data)).toBe(true);
    expect(dataIn[2 * BLOCK]).toBe(0xee);
    const tooSmall = Buffer.alloc(BLOCK);
    const r2 = await lun.execute(cdb.read10(4, 2), undefined, { dataIn: tooSmall });
    expect(r2.data.equals(data)).toBe(true);
    expect(tooSmall.every((b) => b === 0)).toBe(true);
  });

  it('the three CDB sizes address the same blocks', async () => {
    const { lun } = readyLun(4096);
    const data = pattern(2, 9);
    expectGood(await lun.execute(cdb.write6(0x0abc, 2), data));
    expect((await lun.execute(cdb.read10(0x0abc, 2))).data.equals(data)).toBe(true);
    expect((await lun.execute(cdb.read16(0x0abc, 2))).data.equals(data)).toBe(true);
  });

  it('READ(6)/WRITE(6) with transfer length 0 move 256 blocks', async () => {
    const { lun, backend } = readyLun(1024);
    const data = pattern(256, 3);
    expectGood(await lun.execute(cdb.write6(10, 0), data));
    expect(backend.store.subarray(10 * BLOCK, 266 * BLOCK).equals(data)).toBe(true);
    const r = await lun.execute(cdb.read6(10, 0));
    expect(r.data).toHaveLength(256 * BLOCK);
    expect(r.data.equals(data)).toBe(true);
  });

  it('READ(10)/(16) and WRITE(10)/(16) with transfer length 0 transfer nothing', async () => {
    const { lun, backend } = readyLun(64);
    const before = Buffer.from(backend.store);
    for (const c of [cdb.read10(5, 0), cdb.read16(5, 0), cdb.write10(5, 0), cdb.write16(5, 0)]) {
      const r = await lun.execute(c);
      expectGood(r);
      expect(r.data).toHaveLength(0);
    }
    expect(backend.store.equals(before)).toBe(true);
  });

  it('a transfer running past the last block is LOGICAL BLOCK ADDRESS OUT OF RANGE and writes nothing', async () => {
    const { lun, backend } = readyLun(100);
    expectCheck(await lun.execute(cdb.read10(99, 2)), 0x5, 0x21, 0x00);
    expectCheck(await lun.execute(cdb.read10(100, 0)), 0x5, 0x21, 0x00);
    expectCheck(await lun.execute(cdb.write16(100, 1), pattern(1, 1)), 0x5, 0x21, 0x00);
    expectCheck(await lun.execute(cdb.read6(120, 1)), 0x5, 0x21, 0x00);
    expectCheck(await lun.execute(cdb.synchronizeCache10(98, 5)), 0x5, 0x21, 0x00);
    expect(backend.store.every((b) => b === 0)).toBe(true);
    expectGood(await lun.execute(cdb.read10(99, 1)));
  });

  it('a 64-bit LBA beyond 2^53 is out of range, never rounded to a real block', async () => {
    const { lun } = readyLun(100);
    const c = cdb.read16(0, 1);
    c.fill(0xff, 2, 10);
    expectCheck(await lun.execute(c), 0x5, 0x21, 0x00);
    const c2 = cdb.read16(0, 1);
    c2[2] = 0x01; // 2^56
    expectCheck(await lun.execute(c2), 0x5, 0x21, 0x00);
  });

  it('a WRITE whose data-out is shorter or longer than its transfer length is refused at the length field', async () => {
    const { lun, backend } = readyLun(100);
    let s = expectCheck(await lun.execute(cdb.write10(0, 4), pattern(3, 1)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)?.byte).toBe(7);
    s = expectCheck(await lun.execute(cdb.write16(0, 1), pattern(2, 1)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)?.byte).toBe(10);
    expectCheck(await lun.execute(cdb.write6(0, 1)), 0x5, 0x24, 0x00);
    expect(backend.store.every((b) => b === 0)).toBe(true);
  });

  it('RDPROTECT on a LUN without protection information is an invalid field at byte 1 bit 7', async () => {
    const { lun } = readyLun(100);
    const s = expectCheck(await lun.execute(cdb.read10(0, 1, 0x20)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 1, bit: 7 });
  });

  it('WRITE with FUA flushes; a plain WRITE does not; SYNCHRONIZE CACHE (10)/(16) flush', async () => {
    const { lun, backend } = readyLun(100);
    expectGood(await lun.execute(cdb.write10(0, 1), pattern(1, 1)));
    expect(backend.flushes).toBe(0);
    expectGood(await lun.execute(cdb.write16(1, 1, 0x08), pattern(1, 2)));
    expect(backend.flushes).toBe(1);
    expectGood(await lun.execute(cdb.synchronizeCache10()));
    expectGood(await lun.execute(cdb.synchronizeCache16(10, 20)));
    expect(backend.flushes).toBe(3);
  });

  it('writes through the LUN reach a real file at the right offsets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdc-lun-'));
    const path = join(dir, 'vdi.img');
    const backend = new FileLunBackend(path, 256);
    try {
      const lun = new VirtualLun(backend, { powerOnAttention: false });
      const data = pattern(4, 7);
      expectGood(await lun.execute(cdb.write16(200, 4), data));
      expectGood(await lun.execute(cdb.synchronizeCache10()));
      const file = readFileSync(path);
      expect(file.subarray(200 * BLOCK, 204 * BLOCK).equals(data)).toBe(true);
      expect((await lun.execute(cdb.read10(200, 4))).data.equals(data)).toBe(true);
    } finally {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
