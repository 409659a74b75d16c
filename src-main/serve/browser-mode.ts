/**
 * Browser mode: the same renderer the Electron window shows, served over HTTP on 127.0.0.1, with
 * the one API carried over a WebSocket (/ws) instead of IPC. Used where Electron's binary is
 * missing and by the end-to-end tests (headless Chromium).
 *
 * Who gets in: see request-guard.ts. Every request must name our Host; the page and the WebSocket
 * need the random token from the printed URL; the WebSocket must come from our own origin. The
 * built JS/CSS assets are served without the token: they are the public bundle, and a cookie to
 * carry the token would leak it to every other server on 127.0.0.1 (cookies ignore ports).
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ApiService, Caller } from '../api/service-types';
import { XdcError } from '../pool/errors';
import { callOutcome } from './call-outcome';
import { contentSecurityPolicy, HARDENING_HEADERS } from './csp';
import { refuseUpgrade, sendRefusalPage } from './http-replies';
import { hostIsOurs, newAccessToken, originIsOurs, tokenMatches } from './request-guard';
import { resolveStaticFile } from './static-files';
import { attachWireSession } from './ws-session';

export interface BrowserModeOptions {
  service: ApiService;
  /** The built renderer (out/renderer) holding index.html. */
  rendererDir: string;
  /** 0 or absent: any free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface BrowserModeServer {
  /** http://127.0.0.1:PORT/?token=... : the one address that opens the UI. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const BROWSER_CALLER: Caller = { principal: 'ui:browser', role: 'admin' };
const WS_PATH = '/ws';
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserModeServer> {
  const { service, rendererDir } = options;
  const log = options.log ?? (() => {});
  const token = newAccessToken();
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  const sessions = new Set<() => void>();
  let port = 0;
  let csp = contentSecurityPolicy();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serveHttp(req, res).catch((e: unknown) => {
      log(`browser mode: request failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendRefusalPage(res, 500, 'The server could not answer this request.');
      else res.destroy();
    });
  });

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headOnly = req.method === 'HEAD';
    if (!hostIsOurs(req.headers.host, port)) {
      sendRefusalPage(
        res,
        421,
        `This server answers only as 127.0.0.1:${port} or localhost:${port}.`,
        headOnly,
      );
      return;
    }
    if (req.method !== 'GET' && !headOnly) {
      res.setHeader('Allow', 'GET, HEAD');
      sendRefusalPage(
        res,
        405,
        'Only GET and HEAD are served here; the API runs over the WebSocket.',
        headOnly,
      );
      return;
    }
    const { pathname, query } = splitUrl(req.url);
    if (pathname === WS_PATH) {
      sendRefusalPage(res, 426, 'This address is the WebSocket endpoint of the UI.', headOnly);
      return;
    }
    const found = await resolveStaticFile(rendererDir, pathname);
    if (found.kind === 'refused') {
      sendRefusalPage(res, found.status, capitalise(found.reason), headOnly);
      return;
    }
    const isPage = found.contentType.startsWith('text/html');
    if (isPage && !tokenMatches(query.get('token'), token)) {
      sendRefusalPage(
        res,
        401,
        'Open XDC Lab with the address npm start printed (XDC_UI=...): it carries the access token.',
        headOnly,
      );
      return;
    }
    res.writeHead(200, {
      ...HARDENING_HEADERS,
      'Content-Security-Policy': csp,
      'Content-Type': found.contentType,
      'Content-Length': found.sizeBytes,
      'Cache-Control': isPage ? 'no-store' : 'no-cache',
    });
    if (headOnly) {
      res.end();
      return;
    }
    const stream = createReadStream(found.filePath);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostIsOurs(req.headers.host, port)) return refuseUpgrade(socket, 421, 'wrong Host header');
    const { pathname, query } = splitUrl(req.url);
    if (pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'no WebSocket here');
    if (!tokenMatches(query.get('token'), token))
      return refuseUpgrade(socket, 401, 'missing or wrong access token');
    if (!originIsOurs(req.headers.origin, port)) {
      log(
        `browser mode: refused a WebSocket from origin ${String(req.headers.origin ?? '(none)').slice(0, 100)}`,
      );
      return refuseUpgrade(socket, 403, 'the WebSocket must come from the XDC Lab page itself');
    }
    // The hello names the lab folder; ask before upgrading so no frame can arrive unheard.
    void labDirOf(service).then((labDir) => {
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const end = attachWireSession(ws, { service, caller: BROWSER_CALLER, labDir, log });
        sessions.add(end);
        ws.on('close', () => sessions.delete(end));
      });
    });
  });

  port = await listen(server, options.port ?? 0);
  csp = contentSecurityPolicy({ connectSources: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  log(`browser mode: serving ${rendererDir} on 127.0.0.1:${port}`);

  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    port,
    close() {
      closing ??= (async () => {
        for (const end of sessions) end();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new XdcError(
              'ERR_CONFLICT',
              `port ${port} on 127.0.0.1 is already in use: choose another with --ui-port`,
            )
          : new XdcError('ERR_IO', `cannot listen on 127.0.0.1:${port} (${e.message})`),
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Splits a request target without URL-parsing it against a base (which would honour '//host'). */
function splitUrl(target: string | undefined): { pathname: string; query: URLSearchParams } {
  const raw = target ?? '/';
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  return { pathname, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

async function labDirOf(service: ApiService): Promise<string> {
  const info = await callOutcome(service, 'labInfo', {}, BROWSER_CALLER);
  if (!info.ok || typeof info.value !== 'object' || info.value === null) return '';
  const dir = (info.value as { dir?: unknown }).dir;
  return typeof dir === 'string' ? dir : '';
}

function capitalise(sentence: string): string {
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}
