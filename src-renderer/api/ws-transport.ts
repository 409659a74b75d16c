/**
 * Transport over the browser-mode WebSocket (`ws://<host>/ws?token=...`). Speaks
 * WireRequest/WireMessage, correlates results by id, and reconnects with capped backoff:
 * calls made while disconnected wait for the socket (up to a deadline); calls in flight when
 * the socket drops fail with ERR_DISCONNECTED because the server may or may not have run them.
 */
import { type OpName, PoolEvent } from '../../src-main/api/contract';
import type { CallOutcome, WireMessage, WireRequest } from '../../src-main/api/wire';
import { Listeners, type Transport, type TransportStatus } from './transport';

/** The part of the WebSocket API we use: browsers and the `ws` package both provide it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WsTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** Backoff between reconnect attempts, doubling from min to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long a call waits for a connection before failing. */
  connectWaitMs?: number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

const OPEN = 1;

type Pending = {
  resolve: (outcome: CallOutcome) => void;
  sent: boolean;
  request: WireRequest;
  deadline: unknown;
};

/** Parse one server message; anything malformed becomes null (and is ignored with a warning). */
export function parseWireMessage(raw: unknown): WireMessage | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.type === 'result' && typeof m.id === 'number') {
    if (m.ok === true) return { type: 'result', id: m.id, ok: true, value: m.value };
    const err = m.error as Record<string, unknown> | undefined;
    if (m.ok === false && err && typeof err.code === 'string' && typeof err.message === 'string') {
      return { type: 'result', id: m.id, ok: false, error: { code: err.code, message: err.message } };
    }
    return null;
  }
  if (m.type === 'event') {
    const parsed = PoolEvent.safeParse(m.event);
    return parsed.success ? { type: 'event', event: parsed.data } : null;
  }
  if (m.type === 'hello' && typeof m.role === 'string' && typeof m.labDir === 'string') {
    return { type: 'hello', role: m.role, labDir: m.labDir };
  }
  return null;
}

export function createWsTransport(options: WsTransportOptions): Transport {
  const timers = options.timers ?? {
    setTimeout: (fn: () => void, ms: number) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h: unknown) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const minMs = options.reconnectMinMs ?? 250;
  const maxMs = options.reconnectMaxMs ?? 5000;
  const connectWaitMs = options.connectWaitMs ?? 15_000;

  const events = new Listeners<PoolEvent>();
  const statusListeners = new Listeners<TransportStatus>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let status: TransportStatus = 'connecting';
  let backoff = minMs;
  let reconnectTimer: unknown = null;
  let closed = false;

  const setStatus = (next: TransportStatus) => {
    if (status === next) return;
    status = next;
    statusListeners.emit(next);
  };

  const settle = (id: number, outcome: CallOutcome) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    timers.clearTimeout(p.deadline);
    p.resolve(outcome);
  };

  const flush = () => {
    if (!socket || socket.readyState !== OPEN) return;
    for (const p of pending.values()) {
      if (p.sent) continue;
      p.sent = true;
      socket.send(JSON.stringify(p.request));
    }
  };

  const connect = () => {
    reconnectTimer = null;
    if (closed) return;
    let s: SocketLike;
    try {
      s = createSocket(options.url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      backoff = minMs;
      setStatus('open');
      flush();
    };
    s.onmessage = (ev) => {
      const message = parseWireMessage(ev.data);
      if (!message) {
        console.warn('xdc: ignored a malformed message from the server');
        return;
      }
      if (message.type === 'event') events.emit(message.event);
      else if (message.type === 'result') {
        settle(
          message.id,
          message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error },
        );
      }
    };
    s.onerror = () => {
      // onclose follows and does the work.
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      for (const [id, p] of [...pending]) {
        if (p.sent) {
          settle(id, {
            ok: false,
            error: { code: 'ERR_DISCONNECTED', message: 'the connection to the lab dropped during the call' },
          });
        }
      }
      if (closed) return;
      setStatus('reconnecting');
      scheduleReconnect();
    };
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer !== null) return;
    const wait = backoff;
    backoff = Math.min(maxMs, backoff * 2);
    reconnectTimer = timers.setTimeout(connect, wait);
  };

  connect();

  return {
    kind: 'ws',
    call(op: OpName, input: unknown): Promise<CallOutcome> {
      if (closed) {
        return Promise.resolve({
          ok: false,
          error: { code: 'ERR_DISCONNECTED', message: 'the client is closed' },
        });
      }
      const id = nextId++;
      return new Promise<CallOutcome>((resolve) => {
        const deadline = timers.setTimeout(() => {
          const p = pending.get(id);
          // Only calls still waiting for a socket time out; sent calls wait for their answer.
          if (p && !p.sent) {
            settle(id, {
              ok: false,
              error: { code: 'ERR_DISCONNECTED', message: 'the lab is not reachable' },
            });
          }
        }, connectWaitMs);
        pending.set(id, { resolve, sent: false, request: { type: 'call', id, op, input }, deadline });
        flush();
      });
    },
    onEvent: (listener) => events.add(listener),
    onStatus: (listener) => statusListeners.add(listener),
    status: () => status,
    pickFolder: null,
    close() {
      closed = true;
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      for (const id of [...pending.keys()]) {
        settle(id, { ok: false, error: { code: 'ERR_DISCONNECTED', message: 'the client is closed' } });
      }
      socket?.close();
      socket = null;
      setStatus('closed');
      events.clear();
    },
  };
}
