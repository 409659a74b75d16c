/**
 * What the shell tests run against: a tiny ApiService over a small object (clock + lab folder)
 * that validates inputs with the real contract, emits pool events and fails like the pool does;
 * a built-renderer folder on disk with a secret file beside it (for traversal attempts); and a
 * WebSocket client that collects what the server sends.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { type OpName, type OpOutput, operations, type PoolEvent } from '../../src-main/api/contract';
import type { ApiService, Caller } from '../../src-main/api/service-types';
import type { WireMessage } from '../../src-main/api/wire';
import { XdcError } from '../../src-main/pool/errors';

export interface TinyService extends ApiService {
  calls: Array<{ op: OpName; caller: Caller }>;
  listenerCount(): number;
  emit(kind: string, message: string): PoolEvent;
}

export function tinyService(labDir = '/labs/demo'): TinyService {
  const state = { now: 0, speed: 1, seq: 0 };
  const listeners = new Set<(event: PoolEvent) => void>();
  const calls: TinyService['calls'] = [];
  const emit = (kind: string, message: string): PoolEvent => {
    const event: PoolEvent = {
      seq: ++state.seq,
      time: state.now,
      kind,
      source: 'central',
      subject: null,
      message,
      data: null,
    };
    for (const l of listeners) l(event);
    return event;
  };
  const run = (op: OpName, input: unknown): unknown => {
    switch (op) {
      case 'labInfo':
        operations.labInfo.input.parse(input);
        return { dir: labDir, name: path.basename(labDir), recent: [labDir], dirty: false };
      case 'setClockSpeed': {
        const parsed = operations.setClockSpeed.input.safeParse(input);
        if (!parsed.success)
          throw new XdcError(
            'ERR_VALIDATION',
            `setClockSpeed: ${parsed.error.issues[0]?.message ?? 'bad input'}`,
          );
        state.speed = parsed.data.speed;
        emit('clock.speed', `pool clock now runs at ${state.speed}x`);
        return { now: state.now, speed: state.speed };
      }
      case 'dcli':
        throw new XdcError('ERR_HOST_DOWN', 'host h2 is down');
      default:
        throw new XdcError('ERR_UNSUPPORTED', `${op} is not in the tiny test service`);
    }
  };
  return {
    calls,
    emit,
    listenerCount: () => listeners.size,
    async call<K extends OpName>(op: K, input: unknown, caller: Caller): Promise<OpOutput<K>> {
      calls.push({ op, caller });
      return run(op, input) as OpOutput<K>;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    verifyToken() {
      throw new XdcError('ERR_UNAUTHENTICATED', 'no tokens in the tiny test service');
    },
  };
}

export interface RendererFixture {
  root: string;
  rendererDir: string;
  secret: string;
  cleanup(): void;
}

/** out/renderer-like folder inside a temp dir, with secret.txt one level up. */
export function rendererFixture(): RendererFixture {
  const root = mkdtempSync(path.join(os.tmpdir(), 'xdc-serve-'));
  const rendererDir = path.join(root, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head><body><div id="root">XDC Lab</div></body></html>',
  );
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("xdc renderer");\n');
  writeFileSync(path.join(rendererDir, 'assets', 'style.css'), 'body { background: #000; }\n');
  const secret = `secret-${Math.random().toString(36).slice(2)}`;
  writeFileSync(path.join(root, 'secret.txt'), secret);
  return { root, rendererDir, secret, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A WebSocket client that queues every message it receives. */
export interface WireClient {
  socket: WebSocket;
  next(): Promise<WireMessage>;
  /** The next message that is not an event. */
  nextReply(): Promise<WireMessage>;
  close(): void;
}

export function openWire(url: string, options: { origin?: string; host?: string } = {}): Promise<WireClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.host ? { headers: { Host: options.host } } : {}),
    });
    const queue: WireMessage[] = [];
    const waiting: Array<(m: WireMessage) => void> = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WireMessage;
      const w = waiting.shift();
      if (w) w(message);
      else queue.push(message);
    });
    const next = (): Promise<WireMessage> => {
      const m = queue.shift();
      return m ? Promise.resolve(m) : new Promise((r) => waiting.push(r));
    };
    const nextReply = async (): Promise<WireMessage> => {
      for (;;) {
        const m = await next();
        if (m.type !== 'event') return m;
      }
    };
    socket.on('open', () => resolve({ socket, next, nextReply, close: () => socket.close() }));
    socket.on('unexpected-response', (_req, res) => {
      reject(new Error(`refused with HTTP ${res.statusCode}`));
      socket.terminate();
    });
    socket.on('error', (e) => reject(e));
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP request written byte for byte (no client-side path normalisation). */
export function rawRequest(
  port: number,
  target: string,
  options: { host?: string; method?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(
      `${options.method ?? 'GET'} ${target} HTTP/1.1\r\nHost: ${options.host ?? `127.0.0.1:${port}`}\r\nConnection: close\r\n\r\n`,
    );
  });
}
