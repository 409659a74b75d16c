import { describe, expect, it } from 'vitest';
import { lunIdentityFor } from '../../../src-main/pool/scsi/backend';
import { BLOCK, cdb, expectCheck, expectGood, fieldPointer, readyLun } from './helpers';

describe('INQUIRY: how a guest agentlet recognises its LUN', () => {
  it('standard data names a SPC-4 direct-access disk from SYMANTEC', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.inquiry(255));
    expectGood(r);
    const d = r.data;
    expect(d).toHaveLength(74);
    expect(d[0]).toBe(0x00); // peripheral qualifier 000b, device type 0 (disk)
    expect(d[1]).toBe(0x00); // not removable
    expect(d[2]).toBe(0x06); // SPC-4
    expect(d[3]).toBe(0x02); // response data format 2
    expect(d[4]).toBe(74 - 5); // additional length
    expect(d[7]).toBe(0x02); // CMDQUE
    expect(d.toString('latin1', 8, 16)).toBe('SYMANTEC');
    expect(d.toString('latin1', 16, 32)).toBe('XDC VDISK       ');
    expect(d.toString('latin1', 32, 36)).toBe('1.0 ');
    expect([d.readUInt16BE(58), d.readUInt16BE(60), d.readUInt16BE(62)]).toEqual([0x00a0, 0x0460, 0x04c0]);
    expect(r.residual).toBe(255 - 74);
  });

  it('an allocation length of 36 truncates the data as Linux asks for it first', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.inquiry(36));
    expectGood(r);
    expect(r.data).toHaveLength(36);
    expect(r.data[4]).toBe(69); // ADDITIONAL LENGTH still tells the full length
    expect(r.residual).toBe(0);
  });

  it('the initiator buffer length cuts the data too and counts the underflow', async () => {
    const { lun } = readyLun();
    const small = await lun.execute(cdb.inquiry(255), undefined, { allocationLength: 10 });
    expect(small.data).toHaveLength(10);
    expect(small.residual).toBe(0);
    const big = await lun.execute(cdb.inquiry(36), undefined, { allocationLength: 96 });
    expect(big.data).toHaveLength(36);
    expect(big.residual).toBe(60);
  });

  it('VPD 0x00 lists exactly the pages served', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.inquiry(255, 0x00));
    expectGood(r);
    expect([...r.data]).toEqual([0x00, 0x00, 0x00, 0x05, 0x00, 0x80, 0x83, 0xb0, 0xb1]);
    for (const page of r.data.subarray(4)) {
      expectGood(await lun.execute(cdb.inquiry(255, page)));
    }
  });

  it('VPD 0x80 carries the serial derived from the pool and VDI', async () => {
    const { lun, backend } = readyLun();
    const serial = backend.identity().serial;
    expect(serial).toMatch(/^XDC[0-9A-F]{17}$/);
    const r = await lun.execute(cdb.inquiry(255, 0x80));
    expectGood(r);
    expect([...r.data.subarray(0, 4)]).toEqual([0x00, 0x80, 0x00, serial.length]);
    expect(r.data.toString('latin1', 4)).toBe(serial);
  });

  it('VPD 0x83 carries the NAA-6 designator and a T10 vendor id designator', async () => {
    const { lun, backend } = readyLun();
    const id = backend.identity();
    const r = await lun.execute(cdb.inquiry(255, 0x83));
    expectGood(r);
    const d = r.data;
    const t10Length = 8 + id.serial.length;
    expect(d.readUInt16BE(2)).toBe(4 + 16 + 4 + t10Length);
    expect(d).toHaveLength(4 + 4 + 16 + 4 + t10Length);
    // NAA designator: binary code set, LU association, type 3, length 16
    expect([...d.subarray(4, 8)]).toEqual([0x01, 0x03, 0x00, 0x10]);
    expect(d.subarray(8, 24).equals(id.naa)).toBe(true);
    expect(d[8]! >> 4).toBe(6); // NAA-6
    // T10 vendor id designator: ASCII, LU association, type 1
    expect([...d.subarray(24, 28)]).toEqual([0x02, 0x01, 0x00, t10Length]);
    expect(d.toString('latin1', 28, 36)).toBe('SYMANTEC');
    expect(d.toString('latin1', 36)).toBe(id.serial);
  });

  it('VPD 0xB0 states the block limits the LUN enforces', async () => {
    const { lun } = readyLun(40000);
    const r = await lun.execute(cdb.inquiry(255, 0xb0));
    expectGood(r);
    expect(r.data).toHaveLength(64);
    expect([...r.data.subarray(0, 4)]).toEqual([0x00, 0xb0, 0x00, 0x3c]);
    const max = r.data.readUInt32BE(8);
    expect(max).toBe(16384);
    expect(r.data.readUInt32BE(12)).toBe(2048);
    expectGood(await lun.execute(cdb.read16(0, max)));
    expectCheck(await lun.execute(cdb.read16(0, max + 1)), 0x5, 0x24, 0x00);
  });

  it('VPD 0xB1 says the medium does not rotate', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.inquiry(255, 0xb1));
    expectGood(r);
    expect(r.data).toHaveLength(64);
    expect([...r.data.subarray(0, 6)]).toEqual([0x00, 0xb1, 0x00, 0x3c, 0x00, 0x01]);
  });

  it('EVPD=0 with a page code is INVALID FIELD IN CDB at byte 2', async () => {
    const { lun } = readyLun();
    const bad = Uint8Array.of(0x12, 0, 0x80, 0, 255, 0);
    const s = expectCheck(await lun.execute(bad), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 2, bit: undefined });
  });

  it('an unsupported VPD page is INVALID FIELD IN CDB at byte 2', async () => {
    const { lun } = readyLun();
    const s = expectCheck(await lun.execute(cdb.inquiry(255, 0x86)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)?.byte).toBe(2);
  });

  it('the obsolete CMDDT bit is refused with the field pointer on byte 1 bit 1', async () => {
    const { lun } = readyLun();
    const s = expectCheck(await lun.execute(Uint8Array.of(0x12, 0x02, 0, 0, 255, 0)), 0x5, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 1, bit: 1 });
  });

  it('identities are stable per VDI and differ between VDIs and pools', () => {
    const a = lunIdentityFor('pool-a', 'vdi-1');
    expect(lunIdentityFor('pool-a', 'vdi-1')).toEqual(a);
    const b = lunIdentityFor('pool-a', 'vdi-2');
    const c = lunIdentityFor('pool-b', 'vdi-1');
    expect(b.naa.equals(a.naa)).toBe(false);
    expect(c.serial).not.toBe(a.serial);
    expect(a.naa).toHaveLength(16);
    // NAA 6, then the lab's company id 0x0A5DC0
    expect(a.naa.readUInt32BE(0) >>> 4).toBe(0x60a5dc0);
    expect(BLOCK).toBe(512);
  });
});
