import { describe, expect, it } from 'vitest';
import { ScsiTarget } from '../../../src-main/pool/scsi/scsi-target';
import { VirtualLun } from '../../../src-main/pool/scsi/virtual-lun';
import { cdb, expectCheck, expectGood, fieldPointer, MemoryLunBackend } from './helpers';

function guestHba(luns: number[]): ScsiTarget {
  const target = new ScsiTarget();
  for (const n of luns)
    target.attach(n, new VirtualLun(new MemoryLunBackend(64, `vdi-${n}`), { powerOnAttention: false }));
  return target;
}

describe("a guest's virtual HBA", () => {
  it('REPORT LUNS lists three LUNs in 8-byte single-level entries', async () => {
    const target = guestHba([2, 0, 1]);
    const r = await target.execute(0, cdb.reportLuns());
    expectGood(r);
    expect(r.data.toString('hex')).toBe(
      `00000018${'00000000'}${'0000000000000000'}${'0001000000000000'}${'0002000000000000'}`,
    );
    expect(r.residual).toBe(1024 - 32);
  });

  it('LUNs from 256 up use flat space addressing', async () => {
    const target = guestHba([0, 300]);
    const r = await target.execute(300, cdb.reportLuns());
    expect(r.data.subarray(16, 24).toString('hex')).toBe('412c000000000000');
  });

  it('REPORT LUNS is answered on a LUN number with no unit (LUN 0 absent)', async () => {
    const target = guestHba([1, 2]);
    const r = await target.execute(0, cdb.reportLuns());
    expectGood(r);
    expect(r.data.readUInt32BE(0)).toBe(16);
    expect([r.data[9], r.data[17]]).toEqual([1, 2]);
  });

  it('REPORT LUNS refuses an allocation length under 16 and an unknown SELECT REPORT', async () => {
    const target = guestHba([0]);
    expect(
      fieldPointer(expectCheck(await target.execute(0, cdb.reportLuns(15)), 0x5, 0x24, 0x00))?.byte,
    ).toBe(6);
    expect(
      fieldPointer(expectCheck(await target.execute(0, cdb.reportLuns(64, 3)), 0x5, 0x24, 0x00))?.byte,
    ).toBe(2);
    const wellKnown = await target.execute(0, cdb.reportLuns(64, 1));
    expectGood(wellKnown);
    expect(wellKnown.data.readUInt32BE(0)).toBe(0);
  });

  it('INQUIRY to a missing LUN answers peripheral qualifier 011b, type 1Fh', async () => {
    const target = guestHba([0]);
    const r = await target.execute(5, cdb.inquiry(96));
    expectGood(r);
    expect(r.data[0]).toBe(0x7f);
    const vpd = await target.execute(5, cdb.inquiry(96, 0x83));
    expectGood(vpd);
    expect(vpd.data[0]).toBe(0x7f);
  });

  it('other commands to a missing LUN are LOGICAL UNIT NOT SUPPORTED; REQUEST SENSE says so with GOOD', async () => {
    const target = guestHba([0]);
    expectCheck(await target.execute(7, cdb.testUnitReady()), 0x5, 0x25, 0x00);
    expectCheck(await target.execute(7, cdb.read10(0, 1)), 0x5, 0x25, 0x00);
    const rs = await target.execute(7, cdb.requestSense());
    expectGood(rs);
    expect([rs.data[0], rs.data[2], rs.data[12], rs.data[13]]).toEqual([0x70, 0x05, 0x25, 0x00]);
    expectCheck(await target.execute(7, Uint8Array.of(0x12, 0x02, 0, 0, 36, 0)), 0x5, 0x24, 0x00);
  });

  it('commands reach the right LUN and its own VDI', async () => {
    const target = guestHba([0, 1]);
    const data = Buffer.alloc(512, 0xab);
    expectGood(await target.execute(1, cdb.write10(3, 1), data));
    expect((await target.execute(1, cdb.read10(3, 1))).data.equals(data)).toBe(true);
    expect((await target.execute(0, cdb.read10(3, 1))).data.every((b) => b === 0)).toBe(true);
    const serial0 = (await target.execute(0, cdb.inquiry(255, 0x80))).data.toString('latin1', 4);
    const serial1 = (await target.execute(1, cdb.inquiry(255, 0x80))).data.toString('latin1', 4);
    expect(serial0).not.toBe(serial1);
  });

  it('hot-adding a LUN tells the others REPORTED LUNS DATA HAS CHANGED until they REPORT LUNS', async () => {
    const target = guestHba([0]);
    target.attach(1, new VirtualLun(new MemoryLunBackend(64, 'vdi-new'), { powerOnAttention: false }));
    expectCheck(await target.execute(0, cdb.testUnitReady()), 0x6, 0x3f, 0x0e);
    expectGood(await target.execute(0, cdb.testUnitReady()));
    target.detach(1);
    expectGood(await target.execute(0, cdb.reportLuns()));
    expectGood(await target.execute(0, cdb.testUnitReady()));
    expect(target.luns()).toEqual([0]);
    expectCheck(await target.execute(1, cdb.testUnitReady()), 0x5, 0x25, 0x00);
  });

  it('refuses a LUN number twice or out of range', () => {
    const target = guestHba([0]);
    const lun = new VirtualLun(new MemoryLunBackend(8));
    expect(() => target.attach(0, lun)).toThrow(/ERR_CONFLICT|already attached/);
    expect(() => target.attach(16384, lun)).toThrow(/not a LUN number/);
  });
});
