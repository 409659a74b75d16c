/**
 * VRTSat tokens: `v1.<claims>.<signature>`, claims as base64url JSON, signed with HMAC-SHA256
 * under the lab's signing key. Stateless: any xprtld in the process verifies one without a
 * database read.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../api/contract';
import { XdcError } from '../errors';
import { isRole } from './roles';

export interface TokenClaims {
  /** User name or node id. */
  sub: string;
  kind: 'user' | 'node';
  role: Role;
  /** Wall-clock ms. */
  iat: number;
  exp: number;
  /** Random id, so two tokens issued in the same ms differ (audit, future revocation). */
  jti: string;
}

const PREFIX = 'v1';

export function signToken(key: Buffer, claims: Omit<TokenClaims, 'jti'>): string {
  const full: TokenClaims = { ...claims, jti: randomBytes(9).toString('base64url') };
  const body = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url');
  return `${PREFIX}.${body}.${mac(key, body)}`;
}

export function verifyToken(key: Buffer, token: string, now: number): TokenClaims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) {
    throw new XdcError('ERR_UNAUTHENTICATED', 'malformed token');
  }
  const expected = Buffer.from(mac(key, parts[1]));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new XdcError('ERR_UNAUTHENTICATED', 'token signature invalid');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new XdcError('ERR_UNAUTHENTICATED', 'malformed token');
  }
  if (!isClaims(claims)) throw new XdcError('ERR_UNAUTHENTICATED', 'malformed token');
  if (now >= claims.exp) throw new XdcError('ERR_UNAUTHENTICATED', 'token expired');
  return claims;
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`${PREFIX}.${body}`).digest('base64url');
}

function isClaims(x: unknown): x is TokenClaims {
  if (!x || typeof x !== 'object') return false;
  const c = x as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    (c.kind === 'user' || c.kind === 'node') &&
    isRole(c.role) &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number' &&
    typeof c.jti === 'string'
  );
}
