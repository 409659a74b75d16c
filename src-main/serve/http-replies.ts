/**
 * The small pages and raw replies the browser-mode server gives instead of the app: refused
 * token, wrong host, wrong method. Plain sentences, no markup from the request echoed back.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { contentSecurityPolicy, HARDENING_HEADERS } from './csp';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  421: 'Misdirected Request',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Error';
}

/** An HTML page with one sentence (the 401 page a browser shows without the token). */
export function sendRefusalPage(
  res: ServerResponse,
  status: number,
  sentence: string,
  headOnly = false,
): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>XDC Lab: ${status} ${statusText(status)}</title></head><body><h1>${status} ${statusText(status)}</h1><p>${escapeHtml(sentence)}</p></body></html>\n`;
  res.writeHead(status, {
    ...HARDENING_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(),
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(headOnly ? undefined : body);
}

/** Refuses a WebSocket upgrade on the raw socket before any WebSocket exists. */
export function refuseUpgrade(socket: Duplex, status: number, sentence: string): void {
  const body = `${sentence}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
