import { describe, expect, it } from 'vitest';
import { cdb, expectCheck, expectGood, fieldPointer, readyLun } from './helpers';

describe('MODE SENSE', () => {
  it('(6) caching page with a block descriptor: write cache on, DPOFUA', async () => {
    const { lun } = readyLun(2048);
    const r = await lun.execute(cdb.modeSense6(0x08));
    expectGood(r);
    expect([...r.data.subarray(0, 4)]).toEqual([3 + 8 + 20, 0x00, 0x10, 0x08]);
    expect(r.data.readUInt32BE(4)).toBe(2048);
    expect(r.data.readUIntBE(9, 3)).toBe(512);
    expect([r.data[12], r.data[13], r.data[14]]).toEqual([0x08, 0x12, 0x04]);
    expect(r.data).toHaveLength(4 + 8 + 20);
  });

  it('(6) with DBD has no block descriptor; control page says fixed-format sense', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.modeSense6(0x0a, { dbd: true }));
    expectGood(r);
    expect([...r.data.subarray(0, 4)]).toEqual([3 + 12, 0x00, 0x10, 0x00]);
    expect([r.data[4], r.data[5]]).toEqual([0x0a, 0x0a]);
    expect(r.data[6]! & 0x04).toBe(0); // D_SENSE = 0
  });

  it('(10) all pages with a long LBA descriptor (LLBAA)', async () => {
    const { lun } = readyLun(4096);
    const r = await lun.execute(cdb.modeSense10(0x3f, { llbaa: true }));
    expectGood(r);
    expect(r.data.readUInt16BE(0)).toBe(6 + 16 + 20 + 12);
    expect(r.data[4]).toBe(0x01); // LONGLBA
    expect(r.data.readUInt16BE(6)).toBe(16);
    expect(r.data.readBigUInt64BE(8)).toBe(4096n);
    expect(r.data.readUInt32BE(20)).toBe(512);
    expect([r.data[24], r.data[44]]).toEqual([0x08, 0x0a]);
  });

  it('changeable values are all zero (MODE SELECT is not supported)', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.modeSense6(0x08, { dbd: true, pc: 1 }));
    expectGood(r);
    expect(r.data.subarray(6).every((b) => b === 0)).toBe(true);
  });

  it('an unsupported page is INVALID FIELD IN CDB at byte 2; saved values are not supported', async () => {
    const { lun } = readyLun();
    const s = expectCheck(await lun.execute(cdb.modeSense6(0x1c)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 2, bit: 5 });
    expectCheck(await lun.execute(cdb.modeSense10(0x08, { pc: 3 })), 0x5, 0x39, 0x00);
  });

  it('is cut to the allocation length', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.modeSense6(0x3f, { alloc: 4 }));
    expectGood(r);
    expect(r.data).toHaveLength(4);
    expect(r.data[0]).toBe(3 + 8 + 32);
  });
});
