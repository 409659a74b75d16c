/**
 * Start-up choice of transport: the Electron preload bridge when `window.xdc` exists, else the
 * browser-mode WebSocket on the page's own host with the page's access token.
 */
import { createIpcTransport, isXdcBridge } from './ipc-transport';
import type { Transport } from './transport';
import { createWsTransport } from './ws-transport';

export interface PageLocation {
  protocol: string;
  host: string;
  search: string;
}

/** `ws://127.0.0.1:5000/ws?token=abc` from `http://127.0.0.1:5000/?token=abc`. */
export function webSocketUrl(location: PageLocation): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export function chooseTransport(win: { xdc?: unknown; location: PageLocation }): Transport {
  if (isXdcBridge(win.xdc)) return createIpcTransport(win.xdc);
  return createWsTransport({ url: webSocketUrl(win.location) });
}
