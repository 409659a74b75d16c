/**
 * The deterministic data pattern of `dcli io write/verify`: every byte is a function of the seed
 * and its ABSOLUTE byte offset on the LUN, so any sub-range written once can be verified alone
 * (a 4 KiB verify in the middle of a 1 MiB write, or a read of a snapshot taken in between).
 *
 * Generated a 32-bit word at a time (word index = offset / 4, hashed with the seed by a
 * murmur3-style finalizer), so 64 MiB costs tens of milliseconds, not seconds.
 */

function mix(seed: number, wordLo: number, wordHi: number): number {
  let h = (seed ^ Math.imul(wordLo, 0x9e3779b1) ^ Math.imul(wordHi + 1, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The pattern bytes of [offset, offset + length) for `seed`. Offset must be a multiple of 4. */
export function patternBytes(seed: number, offset: number, length: number): Buffer {
  if (offset % 4 !== 0 || length % 4 !== 0) throw new RangeError('pattern ranges are whole 32-bit words');
  const out = Buffer.allocUnsafe(length);
  const s = seed >>> 0;
  let word = offset / 4;
  for (let at = 0; at < length; at += 4, word++) {
    out.writeUInt32LE(mix(s, word >>> 0, Math.floor(word / 2 ** 32)), at);
  }
  return out;
}

/** Index of the first byte of `data` (at absolute `offset`) that differs from the pattern, or -1. */
export function firstMismatch(seed: number, offset: number, data: Buffer): number {
  const expected = patternBytes(seed, offset, data.length);
  if (expected.equals(data)) return -1;
  for (let i = 0; i < data.length; i++) if (expected[i] !== data[i]) return i;
  return -1;
}
