/**
 * JSON over node:http, shared by xprtld (server side) and the fabric (client side): reading a
 * body under a size limit, parsing it, and writing `{"error":{"code","message"}}` bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_STATUS, XdcError, type XdcErrorCode } from '../errors';

/** Reads the whole request body; rejects with ERR_PAYLOAD_TOO_LARGE past `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      reject(
        new XdcError(
          'ERR_PAYLOAD_TOO_LARGE',
          `request body of ${declared} bytes is over the ${limitBytes}-byte limit`,
        ),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new XdcError('ERR_PAYLOAD_TOO_LARGE', `request body is over the ${limitBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(new XdcError('ERR_BAD_REQUEST', `request body could not be read (${e.message})`));
      failed = true;
    });
  });
}

/** Parses a JSON body; an empty body is `undefined`, anything unparsable is a 400. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new XdcError('ERR_BAD_REQUEST', `request body is not valid JSON (${why})`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, e: XdcError): void {
  const retryAfterMs = e.detail?.retryAfterMs;
  if (typeof retryAfterMs === 'number' && !res.headersSent)
    res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
  sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}

function isErrorCode(code: unknown): code is XdcErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/**
 * The XdcError an error response stands for, so an error crosses the wire unchanged
 * (`ERR_HOST_DOWN: host h2 is down` on the server is the same value on the client).
 */
export function errorFromResponse(status: number, body: unknown, what: string): XdcError {
  if (body && typeof body === 'object' && 'error' in body) {
    const err = (body as { error: unknown }).error;
    if (err && typeof err === 'object') {
      const { code, message } = err as { code?: unknown; message?: unknown };
      const text = typeof message === 'string' ? message : `${what} failed with HTTP ${status}`;
      if (isErrorCode(code)) return new XdcError(code, text);
      return new XdcError('ERR_INTERNAL', `${String(code)}: ${text}`);
    }
  }
  return new XdcError(
    status >= 500 ? 'ERR_INTERNAL' : 'ERR_BAD_REQUEST',
    `${what} failed with HTTP ${status}`,
  );
}
