import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../../../src-main/pool/scsi/command-table';
import { opcodeName, type ScsiResult } from '../../../src-main/pool/scsi/index';
import { cdb, expectCheck, expectGood, fieldPointer, readyLun } from './helpers';

interface Descriptor {
  opcode: number;
  serviceAction: number | null;
  cdbLength: number;
}

function parseAll(r: ScsiResult, timeouts = false): Descriptor[] {
  const length = r.data.readUInt32BE(0);
  expect(r.data).toHaveLength(4 + length);
  const out: Descriptor[] = [];
  const step = timeouts ? 20 : 8;
  for (let at = 4; at < r.data.length; at += step) {
    const d = r.data.subarray(at, at + step);
    out.push({
      opcode: d[0]!,
      serviceAction: d[5]! & 0x01 ? d.readUInt16BE(2) : null,
      cdbLength: d.readUInt16BE(6),
    });
    expect(d[5]! & 0x02).toBe(timeouts ? 0x02 : 0);
    if (timeouts) expect(d.readUInt16BE(8)).toBe(0x0a);
  }
  return out;
}

describe('REPORT SUPPORTED OPERATION CODES', () => {
  it('lists every command the LUN executes, and only those', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(0));
    expectGood(r);
    const listed = parseAll(r);
    const names = listed.map((d) => opcodeName(d.opcode));
    expect(names).toEqual(
      expect.arrayContaining(['INQUIRY', 'READ(16)', 'WRITE(6)', 'REPORT LUNS', 'SYNCHRONIZE CACHE(16)']),
    );
    expect(listed).toContainEqual({ opcode: 0x9e, serviceAction: 0x10, cdbLength: 16 });
    expect(listed).toContainEqual({ opcode: 0xa3, serviceAction: 0x0c, cdbLength: 12 });
    for (const refused of [0x16, 0x17, 0x56, 0x57, 0x5e, 0x5f]) {
      expect(listed.some((d) => d.opcode === refused)).toBe(false);
    }
    expect(listed).toHaveLength(COMMAND_TABLE.size); // one per opcode, as each group has one action
    // Each listed command is executed, not refused as an unknown opcode.
    for (const d of listed) {
      const c = new Uint8Array(d.cdbLength);
      c[0] = d.opcode;
      if (d.serviceAction !== null) c[1] = d.serviceAction;
      const res = await lun.execute(c);
      expect(res.sense?.[12], opcodeName(d.opcode)).not.toBe(0x20);
    }
  });

  it('with RCTD every descriptor carries a command timeouts descriptor', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(0, 0, 0, 4096, true));
    expectGood(r);
    expect(parseAll(r, true)).toHaveLength(COMMAND_TABLE.size);
  });

  it('one command: READ(10) with its CDB usage data', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(1, 0x28));
    expectGood(r);
    expect(r.data.toString('hex')).toBe('0003000a28feffffffff1fffff04');
  });

  it('the usage data matches what the LUN enforces: a bit outside it is refused', async () => {
    const { lun } = readyLun();
    const usage = (await lun.execute(cdb.rsoc(1, 0x28))).data.subarray(4);
    const c = cdb.read10(0, 1);
    c[1] = ~usage[1]! & 0xff & 0x01; // the reserved bit 0 of byte 1
    expect(fieldPointer(expectCheck(await lun.execute(c), 0x5, 0x24, 0x00))).toEqual({
      inCdb: true,
      byte: 1,
      bit: 0,
    });
  });

  it('one command: PERSISTENT RESERVE OUT is not supported', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(1, 0x5f));
    expectGood(r);
    expect([...r.data]).toEqual([0x00, 0x01, 0x00, 0x00]);
    const withSa = await lun.execute(cdb.rsoc(2, 0x5f, 0x00));
    expect([...withSa.data]).toEqual([0x00, 0x01, 0x00, 0x00]);
  });

  it('one service action: READ CAPACITY(16) and an unsupported one', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(2, 0x9e, 0x10));
    expectGood(r);
    expect(r.data.toString('hex')).toBe(`00030010${'9e1f'}${'ff'.repeat(12)}0104`);
    const none = await lun.execute(cdb.rsoc(2, 0x9e, 0x12));
    expect([...none.data]).toEqual([0x00, 0x01, 0x00, 0x00]);
  });

  it('asking with the wrong reporting options for the opcode is an invalid field', async () => {
    const { lun } = readyLun();
    expect(fieldPointer(expectCheck(await lun.execute(cdb.rsoc(1, 0x9e)), 0x5, 0x24, 0x00))).toEqual({
      inCdb: true,
      byte: 2,
      bit: 2,
    });
    expectCheck(await lun.execute(cdb.rsoc(2, 0x28, 0)), 0x5, 0x24, 0x00);
    expectCheck(await lun.execute(cdb.rsoc(5)), 0x5, 0x24, 0x00);
  });

  it('is cut to the allocation length', async () => {
    const { lun } = readyLun();
    const r = await lun.execute(cdb.rsoc(0, 0, 0, 12));
    expectGood(r);
    expect(r.data).toHaveLength(12);
    expect(r.data.readUInt32BE(0)).toBe(8 * COMMAND_TABLE.size);
  });
});
