/**
 * Who may talk to the browser-mode server. The server listens on 127.0.0.1 only, yet any local
 * process or any web page the user has open can still send it requests, so every request must:
 * - name our address in its Host header (a DNS-rebinding page has its own host name there),
 * - carry the random access token printed at start-up (page load and WebSocket upgrade),
 * - and, for the WebSocket upgrade, come from our own origin (no cross-site WebSocket hijacking).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

export function hostIsOurs(host: string | undefined, port: number): boolean {
  return typeof host === 'string' && allowedHosts(port).includes(host.toLowerCase());
}

export function originIsOurs(origin: string | undefined, port: number): boolean {
  return typeof origin === 'string' && allowedOrigins(port).includes(origin.toLowerCase());
}

/** Constant-time comparison: hashing first makes both sides the same length. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
