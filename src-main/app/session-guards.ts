/**
 * Hardens the window's session: every permission denied (camera, notifications, clipboard-read,
 * ...), no downloads, no network at all (the renderer is bundled and talks to the pool over IPC,
 * so an http(s)/ws/file request can only be a bug or an injection), and the CSP header on any
 * response that reaches the page.
 */
import type { Session } from 'electron';
import { contentSecurityPolicy } from '../serve/csp';

const BLOCKED_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

export function isBlockedRequestUrl(url: string): boolean {
  try {
    return BLOCKED_SCHEMES.has(new URL(url).protocol);
  } catch {
    return true;
  }
}

export function hardenSession(session: Session, log: (line: string) => void): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`window: denied permission request ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null));

  session.webRequest.onBeforeRequest((details, callback) => {
    const cancel = isBlockedRequestUrl(details.url);
    if (cancel) log(`window: blocked a request to ${details.url.slice(0, 200)}`);
    callback({ cancel });
  });
  const csp = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    // electronegativity-allow: CSP_GLOBAL_CHECK the policy comes from serve/csp.ts (default-src 'none'; script-src 'self'), so it cannot parse it here
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });

  session.on('will-download', (event) => {
    log('window: refused a download');
    event.preventDefault();
  });
}
