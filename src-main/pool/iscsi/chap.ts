/**
 * CHAP with MD5 (RFC 1994, as iSCSI uses it in RFC 7143 section 12.1.3): the target sends an
 * identifier and a random challenge; the initiator answers MD5(identifier || secret || challenge).
 * Mutual CHAP: the initiator may challenge the target back, and gets the same proof of the
 * target's own secret. Binary values are `0x` hex or `0b` base64 (RFC 7143 section 6.1).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CHAP_MD5 = '5';
const CHALLENGE_BYTES = 16;
/** RFC 7143 12.1.3: a secret of at least 12 bytes (96 bits). Shorter ones are refused at start. */
export const MIN_SECRET_BYTES = 12;

export interface ChapConfig {
  /** The initiator's CHAP name and secret (what the target checks). */
  user: string;
  secret: string;
  /** Mutual CHAP: the target's own name and secret (what the initiator may check). */
  targetUser?: string;
  targetSecret?: string;
}

export function chapResponse(identifier: number, secret: string | Buffer, challenge: Buffer): Buffer {
  return createHash('md5')
    .update(Buffer.from([identifier & 0xff]))
    .update(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
    .update(challenge)
    .digest();
}

/** Decodes a CHAP binary value (`0x...` hex or `0b...` base64); null when malformed. */
export function decodeBinary(value: string): Buffer | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) return Buffer.from(value.slice(2), 'hex');
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) return Buffer.from(`0${value.slice(2)}`, 'hex');
  if (/^0[bB][A-Za-z0-9+/]+=*$/.test(value)) return Buffer.from(value.slice(2), 'base64');
  return null;
}

export const encodeBinary = (b: Buffer): string => `0x${b.toString('hex')}`;

/** One CHAP exchange on one connection: the challenge we sent and the check of the answer. */
export class ChapExchange {
  readonly identifier = randomBytes(1)[0]!;
  readonly challenge = randomBytes(CHALLENGE_BYTES);

  constructor(private readonly config: ChapConfig) {}

  /** Whether CHAP_N / CHAP_R prove the configured initiator secret. */
  verify(name: string, response: string): boolean {
    const got = decodeBinary(response);
    if (name !== this.config.user || !got || got.length !== 16) return false;
    return timingSafeEqual(got, chapResponse(this.identifier, this.config.secret, this.challenge));
  }

  /**
   * Mutual CHAP: our answer to the initiator's CHAP_I / CHAP_C, or an error sentence. A challenge
   * equal to ours is refused (the reflection attack RFC 7143 12.1.3 warns about).
   */
  answer(identifier: string, challenge: string): { name: string; response: string } | string {
    const { targetUser, targetSecret } = this.config;
    if (!targetUser || !targetSecret)
      return 'mutual CHAP was asked for but the target has no secret of its own';
    const id = Number(identifier);
    const c = decodeBinary(challenge);
    if (!Number.isInteger(id) || id < 0 || id > 255 || !c || c.length === 0)
      return 'malformed CHAP_I or CHAP_C';
    if (c.equals(this.challenge)) return 'the initiator sent back our own challenge';
    return { name: targetUser, response: encodeBinary(chapResponse(id, targetSecret, c)) };
  }
}
