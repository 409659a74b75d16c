/**
 * Reading CDB fields. All LBA arithmetic is in Number: a 64-bit LBA that does not fit in 2^53 is
 * returned as Infinity, which every range check rejects as LOGICAL BLOCK ADDRESS OUT OF RANGE.
 */

export function u16(cdb: Uint8Array, at: number): number {
  return (cdb[at]! << 8) | cdb[at + 1]!;
}

export function u32(cdb: Uint8Array, at: number): number {
  return cdb[at]! * 0x1000000 + ((cdb[at + 1]! << 16) | (cdb[at + 2]! << 8) | cdb[at + 3]!);
}

/** A 64-bit big-endian field as a Number, or Infinity when it exceeds Number.MAX_SAFE_INTEGER. */
export function u64(cdb: Uint8Array, at: number): number {
  const hi = u32(cdb, at);
  if (hi > 0x1fffff) return Number.POSITIVE_INFINITY;
  return hi * 0x100000000 + u32(cdb, at + 4);
}

/**
 * The LOGICAL BLOCK ADDRESS of a block command, found where SBC puts it for the CDB's group:
 * 21 bits in bytes 1-3 (6-byte), 32 bits at byte 2 (10/12-byte), 64 bits at byte 2 (16-byte).
 */
export function cdbLba(cdb: Uint8Array): number | undefined {
  const group = (cdb[0] ?? 0) >> 5;
  if (group === 0 && cdb.length >= 4) return ((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!;
  if ((group === 1 || group === 2 || group === 5) && cdb.length >= 6) return u32(cdb, 2);
  if (group === 4 && cdb.length >= 10) return u64(cdb, 2);
  return undefined;
}

/** Writes `text` into `buf` at `at`, ASCII, left-aligned and space-padded to `width` bytes. */
export function putAscii(buf: Buffer, at: number, width: number, text: string): void {
  buf.fill(0x20, at, at + width);
  buf.write(text.slice(0, width), at, width, 'latin1');
}

/** Writes a Number (< 2^53) as a 64-bit big-endian field. */
export function putU64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x100000000), at);
  buf.writeUInt32BE(value % 0x100000000, at + 4);
}
