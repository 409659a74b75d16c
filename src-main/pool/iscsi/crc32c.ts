/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78): iSCSI's header and data digests
 * (RFC 7143 section 13.1 and Appendix B). Table-driven, slicing-by-8: eight 256-entry tables built
 * once, so a digest over a 1 MiB data segment costs a few milliseconds, not a bit-by-bit loop.
 *
 * The digest goes on the wire least significant byte first (RFC 7143 B.4: the CRC "is
 * transmitted in little-endian order" in the examples of Appendix B), see `writeDigest`.
 */

const POLY = 0x82f63b78;

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let s = 1; s < 8; s++) {
      c = (t0[c & 0xff]! ^ (c >>> 8)) >>> 0;
      tables[s]![n] = c;
    }
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = buildTables() as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** Continues a CRC32C over `bytes` (pass the previous result as `crc` to chain segments). */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[bytes[i + 4]!]! ^
      T2[bytes[i + 5]!]! ^
      T1[bytes[i + 6]!]! ^
      T0[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The 4 digest bytes as they go on the wire. */
export function digestBytes(bytes: Uint8Array, crc = 0): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32LE(crc32c(bytes, crc), 0);
  return out;
}

/** Whether `wire` (4 bytes as received) is the digest of `bytes`. */
export function digestMatches(bytes: Uint8Array, wire: Uint8Array): boolean {
  const c = crc32c(bytes);
  return (
    wire.length === 4 &&
    wire[0] === (c & 0xff) &&
    wire[1] === ((c >>> 8) & 0xff) &&
    wire[2] === ((c >>> 16) & 0xff) &&
    wire[3] === c >>> 24
  );
}
