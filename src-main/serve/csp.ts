/**
 * The Content-Security-Policy of the renderer, one definition for both shells: the Electron window
 * (sent as a header by the app:// protocol handler and by onHeadersReceived) and browser mode
 * (sent by the static file server). The renderer's index.html carries a meta CSP as well; browsers
 * enforce both, so the effective policy is never looser than this one.
 */

/** Origins the page may open connections to beyond 'self' (browser mode: its own WebSocket). */
export interface CspOptions {
  connectSources?: readonly string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'", ...(options.connectSources ?? [])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    // React Flow and xterm position elements with inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers every response of ours carries besides the CSP. */
export const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
