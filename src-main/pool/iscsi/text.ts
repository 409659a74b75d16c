/**
 * The text of Login and Text PDUs (RFC 7143 section 6): `key=value` pairs, each ended by a NUL.
 * Keys are at most 63 bytes, values at most 255 bytes (8192 for the CHAP binary values); a pair
 * without `=` or with an empty key is a protocol error.
 */

export const MAX_KEY_LENGTH = 63;
export const MAX_TEXT_BYTES = 65536;

export type TextPairs = Array<[string, string]>;

export class TextFormatError extends Error {}

/** Parses a text data segment into ordered key/value pairs. */
export function parseText(data: Buffer): TextPairs {
  const text = data.toString('utf8');
  const out: TextPairs = [];
  for (const item of text.split('\0')) {
    if (item.length === 0) continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new TextFormatError(`"${item.slice(0, 40)}" is not a key=value pair`);
    const key = item.slice(0, eq);
    if (key.length > MAX_KEY_LENGTH || !/^[A-Za-z0-9.\-+@_]+$/.test(key)) {
      throw new TextFormatError(`"${key.slice(0, 40)}" is not a valid key`);
    }
    out.push([key, item.slice(eq + 1)]);
  }
  return out;
}

export function encodeText(pairs: TextPairs): Buffer {
  if (pairs.length === 0) return Buffer.alloc(0);
  return Buffer.from(pairs.map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}
