/**
 * Serves the built renderer on xdc://renderer/ with the CSP and hardening headers on every
 * response. The scheme must be declared privileged before the app is ready; the handler is
 * installed on the window's session once it is.
 */
import { readFile } from 'node:fs/promises';
import type { Protocol, Session } from 'electron';
import { contentSecurityPolicy, HARDENING_HEADERS } from '../serve/csp';
import { resolveStaticFile } from '../serve/static-files';
import { APP_HOST, APP_SCHEME } from './renderer-origin';

/** Call before app 'ready'. */
export function declareAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

export function serveRenderer(session: Session, rendererDir: string): void {
  const csp = contentSecurityPolicy();
  const reply = (status: number, body: BodyInit | null, contentType = 'text/plain; charset=utf-8') =>
    new Response(body, {
      status,
      headers: { ...HARDENING_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': contentType },
    });

  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return reply(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'method not allowed');
    const found = await resolveStaticFile(rendererDir, url.pathname);
    if (found.kind === 'refused') return reply(found.status, found.reason);
    return reply(200, request.method === 'HEAD' ? null : await readFile(found.filePath), found.contentType);
  });
}
