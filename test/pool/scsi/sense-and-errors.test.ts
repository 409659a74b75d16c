import { describe, expect, it } from 'vitest';
import {
  Asc,
  decodeSense,
  describeCdb,
  describeSense,
  Opcode,
  opcodeName,
  ScsiSense,
} from '../../../src-main/pool/scsi/index';
import { VirtualLun } from '../../../src-main/pool/scsi/virtual-lun';
import {
  cdb,
  err,
  expectCheck,
  expectGood,
  fieldPointer,
  MemoryLunBackend,
  pattern,
  readyLun,
} from './helpers';

const ILLEGAL_REQUEST = 0x5;

describe('commands the LUN does not support', () => {
  const reservations = [
    ['RESERVE(6)', Uint8Array.of(0x16, 0, 0, 0, 0, 0)],
    ['RELEASE(6)', Uint8Array.of(0x17, 0, 0, 0, 0, 0)],
    ['RESERVE(10)', Uint8Array.of(0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0)],
    ['RELEASE(10)', Uint8Array.of(0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0)],
    ['PERSISTENT RESERVE IN', Uint8Array.of(0x5e, 0x00, 0, 0, 0, 0, 0, 0x20, 0, 0)],
    ['PERSISTENT RESERVE OUT', Uint8Array.of(0x5f, 0x00, 0x05, 0, 0, 0, 0, 0, 24, 0)],
  ] as const;
  for (const [name, c] of reservations) {
    it(`${name} (vxfen's reservations) ends in ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE`, async () => {
      const { lun } = readyLun();
      const s = expectCheck(await lun.execute(c, Buffer.alloc(24)), ILLEGAL_REQUEST, 0x20, 0x00);
      expect(opcodeName(c[0]!)).toBe(name);
      expect(describeSense(s)).toBe('ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (ASC 20h ASCQ 00h)');
    });
  }

  it('names the refused service action for the fencing message', () => {
    expect(describeCdb(Uint8Array.of(Opcode.PERSISTENT_RESERVE_OUT, 0x00, 0x05))).toBe(
      'PERSISTENT RESERVE OUT / REGISTER',
    );
    expect(describeCdb(cdb.readCapacity16())).toBe('SERVICE ACTION IN(16) / READ CAPACITY(16)');
    expect(describeCdb(cdb.read10(0, 1))).toBe('READ(10)');
    expect(opcodeName(0xc1)).toBe('opcode 0xC1');
  });

  it('an unknown opcode and an empty CDB are INVALID COMMAND OPERATION CODE', async () => {
    const { lun } = readyLun();
    expectCheck(await lun.execute(Uint8Array.of(0xc1, 0, 0, 0, 0, 0)), ILLEGAL_REQUEST, 0x20, 0x00);
    expectCheck(await lun.execute(new Uint8Array(0)), ILLEGAL_REQUEST, 0x20, 0x00);
  });

  it('an unknown service action of a supported opcode is an invalid field at byte 1 bit 4', async () => {
    const { lun } = readyLun();
    const getLbaStatus = cdb.readCapacity16();
    getLbaStatus[1] = 0x12;
    const s = expectCheck(await lun.execute(getLbaStatus), ILLEGAL_REQUEST, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 1, bit: 4 });
  });
});

describe('malformed CDBs get sense, never an exception', () => {
  it('a CDB shorter than its opcode group is INVALID FIELD IN CDB', async () => {
    const { lun } = readyLun();
    expectCheck(await lun.execute(cdb.read10(0, 1).subarray(0, 6)), ILLEGAL_REQUEST, 0x24, 0x00);
    expectCheck(await lun.execute(Uint8Array.of(0x9e, 0x10, 0)), ILLEGAL_REQUEST, 0x24, 0x00);
    expectCheck(await lun.execute(Uint8Array.of(0x12)), ILLEGAL_REQUEST, 0x24, 0x00);
  });

  it('a CDB carried in a longer buffer (iSCSI pads to 16) is read at its own length', async () => {
    const { lun } = readyLun();
    const padded = new Uint8Array(16);
    padded.set(cdb.read10(3, 1));
    padded[12] = 0xff;
    expectGood(await lun.execute(padded));
  });

  it('NACA in the CONTROL byte is an invalid field pointing at it', async () => {
    const { lun } = readyLun();
    const c = cdb.read10(0, 1);
    c[9] = 0x04;
    const s = expectCheck(await lun.execute(c), ILLEGAL_REQUEST, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 9, bit: 2 });
    const t = cdb.testUnitReady();
    t[5] = 0x04;
    expect(fieldPointer(expectCheck(await lun.execute(t), ILLEGAL_REQUEST, 0x24, 0x00))).toEqual({
      inCdb: true,
      byte: 5,
      bit: 2,
    });
  });

  it('vendor-specific CONTROL bits are ignored', async () => {
    const { lun } = readyLun();
    const t = cdb.testUnitReady();
    t[5] = 0xc0;
    expectGood(await lun.execute(t));
  });

  it('a reserved bit is an invalid field with the field pointer on its byte and bit', async () => {
    const { lun } = readyLun();
    const c = cdb.read16(0, 1);
    c[14] = 0x40; // byte 14 bits 7-5 are reserved around GROUP NUMBER
    const s = expectCheck(await lun.execute(c), ILLEGAL_REQUEST, 0x24, 0x00);
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 14, bit: 6 });
    expect(describeSense(s)).toBe(
      'ILLEGAL REQUEST: INVALID FIELD IN CDB (ASC 24h ASCQ 00h), CDB byte 14 bit 6',
    );
    const tur = Uint8Array.of(0x00, 0, 0, 0x10, 0, 0);
    expect(fieldPointer(expectCheck(await lun.execute(tur), ILLEGAL_REQUEST, 0x24, 0x00))).toEqual({
      inCdb: true,
      byte: 3,
      bit: 4,
    });
  });
});

describe('REQUEST SENSE and unit attentions', () => {
  it('REQUEST SENSE returns the sense of the last failed command, then NO SENSE', async () => {
    const { lun } = readyLun(100);
    expectCheck(await lun.execute(cdb.read10(500, 1)), ILLEGAL_REQUEST, 0x21, 0x00);
    const r = await lun.execute(cdb.requestSense());
    expectGood(r);
    expect(r.data).toHaveLength(18);
    expect([r.data[0], r.data[2], r.data[12], r.data[13]]).toEqual([0x70, 0x05, 0x21, 0x00]);
    const again = await lun.execute(cdb.requestSense());
    expect([again.data[2], again.data[12], again.data[13]]).toEqual([0x00, 0x00, 0x00]);
  });

  it('a GOOD command clears the sense, REQUEST SENSE truncates to its allocation length', async () => {
    const { lun } = readyLun(100);
    expectCheck(await lun.execute(cdb.read10(500, 1)), ILLEGAL_REQUEST, 0x21, 0x00);
    expectGood(await lun.execute(cdb.testUnitReady()));
    expect((await lun.execute(cdb.requestSense())).data[2]).toBe(0x00);
    expectCheck(await lun.execute(cdb.read10(500, 1)), ILLEGAL_REQUEST, 0x21, 0x00);
    const short = await lun.execute(cdb.requestSense(8));
    expect(short.data).toHaveLength(8);
  });

  it('REQUEST SENSE with DESC=1 is refused: this LUN only speaks fixed format', async () => {
    const { lun } = readyLun();
    const s = expectCheck(
      await lun.execute(Uint8Array.of(0x03, 0x01, 0, 0, 252, 0)),
      ILLEGAL_REQUEST,
      0x24,
      0x00,
    );
    expect(fieldPointer(s)).toEqual({ inCdb: true, byte: 1, bit: 0 });
  });

  it('a new LUN reports POWER ON, RESET once, but not to INQUIRY', async () => {
    const lun = new VirtualLun(new MemoryLunBackend(64));
    expectGood(await lun.execute(cdb.inquiry()));
    expectCheck(await lun.execute(cdb.testUnitReady()), 0x6, 0x29, 0x00);
    expectGood(await lun.execute(cdb.testUnitReady()));
  });

  it('REQUEST SENSE consumes a pending unit attention', async () => {
    const lun = new VirtualLun(new MemoryLunBackend(64));
    const r = await lun.execute(cdb.requestSense());
    expect([r.data[2], r.data[12], r.data[13]]).toEqual([0x06, 0x29, 0x00]);
    expectGood(await lun.execute(cdb.read10(0, 1)));
  });

  it('vdi_resize raises CAPACITY DATA HAS CHANGED once, then READ CAPACITY shows the new size', async () => {
    const { lun, backend } = readyLun(100);
    backend.resize(300);
    expectCheck(await lun.execute(cdb.readCapacity10()), 0x6, 0x2a, 0x09);
    const r = await lun.execute(cdb.readCapacity10());
    expectGood(r);
    expect(r.data.readUInt32BE(0)).toBe(299);
    expectGood(await lun.execute(cdb.read10(250, 1)));
  });

  it('reset() discards the sense and reports POWER ON, RESET again', async () => {
    const { lun } = readyLun(100);
    expectCheck(await lun.execute(cdb.read10(500, 1)), ILLEGAL_REQUEST, 0x21, 0x00);
    lun.reset();
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x6, 0x29, 0x00);
    expectGood(await lun.execute(cdb.read10(0, 1)));
  });
});

describe('storage failures become sense data', () => {
  it('ERR_NOT_OWNER (the host lost the volume) is NOT READY 04/0B', async () => {
    const { lun, backend } = readyLun(100);
    backend.failNext('read', err('ERR_NOT_OWNER', 'volume v1 is owned by h2'));
    const s = expectCheck(await lun.execute(cdb.read10(0, 1)), 0x2, 0x04, 0x0b);
    expect(describeSense(s)).toBe(
      'NOT READY: LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE (ASC 04h ASCQ 0Bh)',
    );
  });

  it('ERR_IO on a read is MEDIUM ERROR 11/00 with the LBA; on a write 0C/00', async () => {
    const { lun, backend } = readyLun(100);
    backend.failNext('read', err('ERR_IO'));
    const s = expectCheck(await lun.execute(cdb.read16(42, 2)), 0x3, 0x11, 0x00);
    expect(s[0]).toBe(0xf0); // VALID: the INFORMATION field holds the LBA
    expect(decodeSense(s)?.information).toBe(42);
    backend.failNext('write', err('ERR_IO'));
    expectCheck(await lun.execute(cdb.write10(7, 1), pattern(1, 1)), 0x3, 0x0c, 0x00);
    backend.failNext('flush', err('ERR_IO'));
    expectCheck(await lun.execute(cdb.synchronizeCache10()), 0x3, 0x0c, 0x00);
  });

  it('a Node EIO from a file backend is a MEDIUM ERROR too', async () => {
    const { lun, backend } = readyLun(100);
    backend.failNext('read', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x3, 0x11, 0x00);
  });

  it('ERR_NO_SPACE is DATA PROTECT 27/07; a down host NOT READY 04/01; anything else HARDWARE ERROR 44/00', async () => {
    const { lun, backend } = readyLun(100);
    backend.failNext('write', err('ERR_NO_SPACE'));
    expectCheck(await lun.execute(cdb.write10(0, 1), pattern(1, 1)), 0x7, 0x27, 0x07);
    backend.failNext('read', err('ERR_HOST_DOWN'));
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x2, 0x04, 0x01);
    backend.failNext('read', err('ERR_NODE_UNREACHABLE'));
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x2, 0x04, 0x01);
    backend.failNext('read', new TypeError('bug'));
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x4, 0x44, 0x00);
    backend.failNext('read', 'a string');
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x4, 0x44, 0x00);
  });

  it('a backend that returns the wrong number of bytes is a HARDWARE ERROR, not short data', async () => {
    const { lun, backend } = readyLun(100);
    backend.read = async () => Buffer.alloc(100);
    expectCheck(await lun.execute(cdb.read10(0, 1)), 0x4, 0x44, 0x00);
  });

  it('INQUIRY still answers when the capacity cannot be read; TEST UNIT READY reports why', async () => {
    const { lun, backend } = readyLun(100);
    backend.capacityBlocks = () => {
      throw err('ERR_NOT_OWNER');
    };
    expectGood(await lun.execute(cdb.inquiry()));
    expectCheck(await lun.execute(cdb.testUnitReady()), 0x2, 0x04, 0x0b);
  });
});

describe('the sense builder and decoder', () => {
  it('builds 18-byte fixed sense with the field pointer and decodes it back', () => {
    const s = ScsiSense.illegalRequest(Asc.INVALID_FIELD_IN_CDB, { byte: 300, bit: 3 });
    expect([...s]).toEqual([0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0xcb, 0x01, 0x2c]);
    expect(decodeSense(s)).toMatchObject({
      format: 'fixed',
      senseKeyName: 'ILLEGAL REQUEST',
      ascText: 'INVALID FIELD IN CDB',
      fieldPointer: { inCdb: true, byte: 300, bit: 3 },
    });
    expect(describeSense(ScsiSense.unitAttention(Asc.CAPACITY_DATA_HAS_CHANGED))).toBe(
      'UNIT ATTENTION: CAPACITY DATA HAS CHANGED (ASC 2Ah ASCQ 09h)',
    );
    expect(describeSense(Uint8Array.of(0x72, 0x05, 0x20, 0x00, 0, 0, 0, 0))).toBe(
      'ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (ASC 20h ASCQ 00h)',
    );
    expect(describeSense(Uint8Array.of(0x70, 0, 0x04, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x40, 0x81))).toBe(
      'HARDWARE ERROR: ASC 40h ASCQ 81h',
    );
    expect(describeSense(null)).toBe('no sense data');
    expect(describeSense(Uint8Array.of(0x12))).toBe('not sense data (response code 12h)');
  });
});
