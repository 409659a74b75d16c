import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { PoolEvent } from '../../src-main/api/contract';
import type { WireMessage, WireRequest } from '../../src-main/api/wire';
import { webSocketUrl } from '../../src-renderer/api/choose';
import { ApiError, createApiClient } from '../../src-renderer/api/client';
import type { TransportStatus } from '../../src-renderer/api/transport';
import { createWsTransport, type SocketLike } from '../../src-renderer/api/ws-transport';
import { buildPool, demoShape } from './fixtures';

/** A real WebSocket server speaking the wire protocol over a tiny in-memory "pool". */
async function startServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const received: WireRequest[] = [];
  const pool = buildPool(demoShape);
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const req = JSON.parse(String(raw)) as WireRequest;
      received.push(req);
      let reply: WireMessage;
      if (req.op === 'getPool') reply = { type: 'result', id: req.id, ok: true, value: pool };
      else if (req.op === 'checkMigration') {
        reply = {
          type: 'result',
          id: req.id,
          ok: true,
          value: { allowed: false, code: 'ERR_HOST_DOWN', reason: 'host h2 is down' },
        };
      } else if (req.op === 'migrate') {
        reply = {
          type: 'result',
          id: req.id,
          ok: false,
          error: { code: 'ERR_HOST_DOWN', message: 'host h2 is down' },
        };
      } else if (req.op === 'labInfo') reply = { type: 'result', id: req.id, ok: true, value: { dir: 42 } };
      else return; // other ops never answer: a call "in flight"
      ws.send(JSON.stringify(reply));
    });
  });
  const push = (event: PoolEvent) => {
    for (const c of wss.clients) c.send(JSON.stringify({ type: 'event', event }));
  };
  const dropAll = () => {
    for (const c of wss.clients) c.terminate();
  };
  return { wss, port, received, push, dropAll, url: `ws://127.0.0.1:${port}/ws?token=t` };
}

const closers: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  // Clients first, then servers (a ws server waits for its connections to end).
  for (const c of closers.splice(0).reverse()) await c();
});

function stopServer(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  return new Promise<void>((r) => wss.close(() => r()));
}

const createSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the WebSocket transport and the typed client', () => {
  it('a call made before the socket opens is sent once it opens and its result is validated', async () => {
    const server = await startServer();
    closers.push(() => stopServer(server.wss));
    const client = createApiClient(createWsTransport({ url: server.url, createSocket }));
    closers.push(() => client.close());
    const pool = await client.getPool({});
    expect(pool.hosts.map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(server.received[0]).toMatchObject({ type: 'call', op: 'getPool', input: {} });
    const check = await client.checkMigration({ guestId: 'g1', to: 'h2' });
    expect(check).toEqual({ allowed: false, code: 'ERR_HOST_DOWN', reason: 'host h2 is down' });
  });

  it('an error comes back as an ApiError with the pool code and sentence', async () => {
    const server = await startServer();
    closers.push(() => stopServer(server.wss));
    const client = createApiClient(createWsTransport({ url: server.url, createSocket }));
    closers.push(() => client.close());
    const err = await client.migrate({ guestId: 'g1', to: 'h2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).sentence).toBe('ERR_HOST_DOWN: host h2 is down');
    const bad = await client.labInfo({}).catch((e: unknown) => e);
    expect((bad as ApiError).code).toBe('ERR_BAD_RESPONSE');
  });

  it('pushed events reach listeners; malformed messages are ignored without breaking the connection', async () => {
    const server = await startServer();
    closers.push(() => stopServer(server.wss));
    const client = createApiClient(createWsTransport({ url: server.url, createSocket }));
    closers.push(() => client.close());
    await client.getPool({});
    const seen: PoolEvent[] = [];
    client.onEvent((e) => seen.push(e));
    for (const c of server.wss.clients) {
      c.send('not json');
      c.send(JSON.stringify({ type: 'event', event: { seq: 'x' } }));
    }
    server.push({
      seq: 7,
      time: 1,
      kind: 'migration.phase',
      source: 'central',
      subject: 'g1',
      message: 'handoff',
      data: { jobId: 'j1' },
    });
    await until(() => seen.length === 1, 'the event');
    expect(seen[0]?.message).toBe('handoff');
    expect((await client.getPool({})).poolId).toBe('pool-test');
  });

  it('when the connection drops, calls in flight fail with ERR_DISCONNECTED and the client reconnects', async () => {
    const server = await startServer();
    closers.push(() => stopServer(server.wss));
    const client = createApiClient(createWsTransport({ url: server.url, createSocket, reconnectMinMs: 10 }));
    closers.push(() => client.close());
    const statuses: TransportStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.getPool({});
    const inFlight = client.invariants({}).catch((e: unknown) => e);
    await until(() => server.received.some((r) => r.op === 'invariants'), 'the call to reach the server');
    server.dropAll();
    expect(((await inFlight) as ApiError).code).toBe('ERR_DISCONNECTED');
    await until(() => statuses.lastIndexOf('open') > statuses.indexOf('reconnecting'), 'the reconnect');
    expect(statuses).toContain('reconnecting');
    expect((await client.getPool({})).hosts).toHaveLength(3);
  });

  it('the browser-mode socket URL carries the page token to the same host', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:5123', search: '?token=a+b/c' })).toBe(
      'ws://127.0.0.1:5123/ws?token=a%20b%2Fc',
    );
  });
});
