/**
 * The guest's SCSI initiator side: the CDBs the agentlets, DCLI and vxfen send (built byte by
 * byte as a Windows/Linux disk driver would) and the parsers for what comes back. Knows nothing
 * of the pool: a guest learns about its disks only from these answers.
 */

export const GOOD = 0x00;
export const CHECK_CONDITION = 0x02;

/** What the guest's HBA answers for one command (the LUN layer's ScsiResult). */
export interface ScsiAnswer {
  status: number;
  data: Buffer;
  sense: Buffer | null;
  residual?: number;
}

/** The guest's virtual HBA as the initiator sees it: a command to a LUN number. */
export interface GuestHba {
  execute(
    lun: number,
    cdb: Uint8Array,
    dataOut?: Buffer,
    opts?: { allocationLength?: number },
  ): Promise<ScsiAnswer>;
}

function putU32(b: Buffer, at: number, v: number): void {
  b.writeUInt32BE(v >>> 0, at);
}

function putU64(b: Buffer, at: number, v: number): void {
  b.writeUInt32BE(Math.floor(v / 2 ** 32), at);
  b.writeUInt32BE(v >>> 0, at + 4);
}

export const Cdb = {
  reportLuns(alloc = 4096): Buffer {
    const c = Buffer.alloc(12);
    c[0] = 0xa0;
    putU32(c, 6, alloc);
    return c;
  },
  inquiry(alloc = 255, vpdPage?: number): Buffer {
    const c = Buffer.alloc(6);
    c[0] = 0x12;
    if (vpdPage !== undefined) {
      c[1] = 0x01;
      c[2] = vpdPage;
    }
    c.writeUInt16BE(alloc, 3);
    return c;
  },
  readCapacity16(alloc = 32): Buffer {
    const c = Buffer.alloc(16);
    c[0] = 0x9e;
    c[1] = 0x10;
    putU32(c, 10, alloc);
    return c;
  },
  read16(lba: number, blocks: number): Buffer {
    const c = Buffer.alloc(16);
    c[0] = 0x88;
    putU64(c, 2, lba);
    putU32(c, 10, blocks);
    return c;
  },
  write16(lba: number, blocks: number): Buffer {
    const c = Buffer.alloc(16);
    c[0] = 0x8a;
    putU64(c, 2, lba);
    putU32(c, 10, blocks);
    return c;
  },
  synchronizeCache10(): Buffer {
    const c = Buffer.alloc(10);
    c[0] = 0x35;
    return c;
  },
  /** PERSISTENT RESERVE OUT, service action REGISTER, scope/type 0, a 24-byte parameter list. */
  persistentReserveOutRegister(): Buffer {
    const c = Buffer.alloc(10);
    c[0] = 0x5f;
    c[1] = 0x00;
    putU32(c, 5, 24);
    return c;
  },
} as const;

/** vxfen's registration parameter list: reservation key 0, service action key = our key. */
export function prRegisterParameters(key: Buffer): Buffer {
  const p = Buffer.alloc(24);
  key.copy(p, 8, 0, 8);
  return p;
}

export interface StandardInquiry {
  peripheralType: number;
  vendor: string;
  product: string;
  revision: string;
}

export function parseStandardInquiry(d: Buffer): StandardInquiry {
  if (d.length < 36) throw new Error(`standard INQUIRY data is ${d.length} bytes, expected at least 36`);
  const text = (from: number, to: number) => d.subarray(from, to).toString('latin1').trim();
  return { peripheralType: d[0]! & 0x1f, vendor: text(8, 16), product: text(16, 32), revision: text(32, 36) };
}

export function parseReportLuns(d: Buffer): number[] {
  if (d.length < 8) throw new Error(`REPORT LUNS data is ${d.length} bytes, expected at least 8`);
  const listBytes = d.readUInt32BE(0);
  const luns: number[] = [];
  for (let at = 8; at + 8 <= d.length && at < 8 + listBytes; at += 8) {
    // Single-level (peripheral) addressing: bits 13..8 of the first two bytes hold the LUN.
    luns.push(((d[at]! & 0x3f) << 8) | d[at + 1]!);
  }
  return luns;
}

export function parseUnitSerial(d: Buffer): string {
  if (d.length < 4 || d[1] !== 0x80) throw new Error('not a unit serial number VPD page (0x80)');
  const len = d.readUInt16BE(2);
  return d
    .subarray(4, 4 + len)
    .toString('latin1')
    .replace(/\0+$/, '')
    .trim();
}

export interface DeviceIds {
  /** The NAA designator as hex (e.g. 600... for NAA-6), or null if the page carries none. */
  naa: string | null;
  /** The T10 vendor id designator: vendor (8 bytes) + vendor specific text. */
  t10: string | null;
}

export function parseDeviceIdentification(d: Buffer): DeviceIds {
  if (d.length < 4 || d[1] !== 0x83) throw new Error('not a device identification VPD page (0x83)');
  const end = Math.min(d.length, 4 + d.readUInt16BE(2));
  const ids: DeviceIds = { naa: null, t10: null };
  for (let at = 4; at + 4 <= end; ) {
    const type = d[at + 1]! & 0x0f;
    const len = d[at + 3]!;
    const body = d.subarray(at + 4, Math.min(end, at + 4 + len));
    if (type === 0x03 && ids.naa === null) ids.naa = body.toString('hex');
    if (type === 0x01 && ids.t10 === null) ids.t10 = body.toString('latin1').replace(/\0+$/, '').trim();
    at += 4 + len;
  }
  return ids;
}

export interface Capacity {
  lastLba: number;
  blockSize: number;
  blocks: number;
  bytes: number;
}

export function parseReadCapacity16(d: Buffer): Capacity {
  if (d.length < 12) throw new Error(`READ CAPACITY(16) data is ${d.length} bytes, expected at least 12`);
  const lastLba = d.readUInt32BE(0) * 2 ** 32 + d.readUInt32BE(4);
  const blockSize = d.readUInt32BE(8);
  return { lastLba, blockSize, blocks: lastLba + 1, bytes: (lastLba + 1) * blockSize };
}

/** Fixed-format sense: key, ASC, ASCQ (descriptor format 0x72 too, for robustness). */
export function senseCodes(sense: Buffer | null): { key: number; asc: number; ascq: number } | null {
  if (!sense || sense.length < 3) return null;
  const code = sense[0]! & 0x7f;
  if (code === 0x72 || code === 0x73)
    return { key: sense[1]! & 0x0f, asc: sense[2] ?? 0, ascq: sense[3] ?? 0 };
  if (sense.length < 14) return { key: sense[2]! & 0x0f, asc: 0, ascq: 0 };
  return { key: sense[2]! & 0x0f, asc: sense[12]!, ascq: sense[13]! };
}
