import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserModeServer, startBrowserMode } from '../../src-main/serve/browser-mode';
import {
  openWire,
  type RendererFixture,
  rawRequest,
  rendererFixture,
  type TinyService,
  tinyService,
} from './fixtures';

describe('browser mode: a local user opens the lab UI in a browser', () => {
  let fixture: RendererFixture;
  let service: TinyService;
  let server: BrowserModeServer;
  let origin: string;
  let wsUrl: string;

  beforeAll(async () => {
    fixture = rendererFixture();
    service = tinyService('/labs/demo');
    server = await startBrowserMode({ service, rendererDir: fixture.rendererDir });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
  });
  afterAll(async () => {
    await server.close();
    fixture.cleanup();
  });

  describe('the page', () => {
    it('is served from the printed URL, which carries the token, with a strict CSP', async () => {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
      expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('<div id="root">XDC Lab</div>');
    });

    it('is refused with a 401 page without the token or with a wrong one', async () => {
      for (const target of [
        '/',
        '/index.html',
        '/?token=',
        `/?token=${server.token.slice(0, -1)}x`,
        `/?tok=${server.token}`,
      ]) {
        const res = await fetch(`${origin}${target}`);
        expect(res.status, target).toBe(401);
        const body = await res.text();
        expect(body).toContain('access token');
        expect(body).not.toContain('id="root"');
      }
    });

    it('serves the bundle with the right content types and no directory listing', async () => {
      const js = await fetch(`${origin}/assets/app.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await js.text()).toContain('xdc renderer');
      const css = await fetch(`${origin}/assets/style.css`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect((await fetch(`${origin}/assets/`)).status).toBe(404);
      expect((await fetch(`${origin}/assets`)).status).toBe(404);
      expect((await fetch(`${origin}/nope.js`)).status).toBe(404);
    });

    it('refuses every path traversal and never returns the file beside the renderer', async () => {
      const attempts = [
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
        '/..%2fsecret.txt',
        '/..%5csecret.txt',
        '/assets/..\\..\\secret.txt',
        '/%00index.html',
        '/%E0%A4%A',
        '//secret.txt',
      ];
      for (const target of attempts) {
        const res = await rawRequest(server.port, target);
        expect([400, 403, 404], target).toContain(res.status);
        expect(res.body, target).not.toContain(fixture.secret);
      }
      const dotdot = await rawRequest(server.port, '/assets/../../secret.txt');
      expect(dotdot.status).toBe(403);
      expect(dotdot.body).toContain('Path traversal refused');
    });

    it('answers only to its own Host name (a DNS-rebinding page is refused)', async () => {
      const rebound = await rawRequest(server.port, `/?token=${server.token}`, {
        host: `evil.example:${server.port}`,
      });
      expect(rebound.status).toBe(421);
      expect(rebound.body).not.toContain('id="root"');
      const otherPort = await rawRequest(server.port, `/?token=${server.token}`, {
        host: `127.0.0.1:${server.port + 1}`,
      });
      expect(otherPort.status).toBe(421);
      const localhost = await rawRequest(server.port, `/?token=${server.token}`, {
        host: `localhost:${server.port}`,
      });
      expect(localhost.status).toBe(200);
      expect(localhost.body).toContain('id="root"');
    });

    it('accepts only GET and HEAD', async () => {
      const post = await rawRequest(server.port, `/?token=${server.token}`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
    });
  });

  describe('the WebSocket', () => {
    it('greets the page, runs a call round trip as ui:browser and pushes pool events', async () => {
      const client = await openWire(wsUrl, { origin });
      try {
        expect(await client.next()).toEqual({ type: 'hello', role: 'admin', labDir: '/labs/demo' });
        client.socket.send(
          JSON.stringify({ type: 'call', id: 7, op: 'setClockSpeed', input: { speed: 10 } }),
        );
        const messages = [await client.next(), await client.next()];
        const event = messages.find((m) => m.type === 'event');
        const result = messages.find((m) => m.type === 'result');
        expect(result).toEqual({ type: 'result', id: 7, ok: true, value: { now: 0, speed: 10 } });
        expect(event?.type === 'event' && event.event.message).toBe('pool clock now runs at 10x');
        expect(service.calls.at(-1)).toEqual({
          op: 'setClockSpeed',
          caller: { principal: 'ui:browser', role: 'admin' },
        });

        const pushed = service.emit('migration.phase', 'g1: pre-copy round 1');
        expect(await client.next()).toEqual({ type: 'event', event: pushed });
      } finally {
        client.close();
      }
    });

    it('returns an error as {code, message}, unchanged from the service', async () => {
      const client = await openWire(wsUrl, { origin });
      try {
        await client.next();
        client.socket.send(
          JSON.stringify({ type: 'call', id: 1, op: 'dcli', input: { guestId: 'g1', line: 'vxprint' } }),
        );
        expect(await client.nextReply()).toEqual({
          type: 'result',
          id: 1,
          ok: false,
          error: { code: 'ERR_HOST_DOWN', message: 'host h2 is down' },
        });
        client.socket.send(
          JSON.stringify({ type: 'call', id: 2, op: 'setClockSpeed', input: { speed: -5 } }),
        );
        const invalid = await client.nextReply();
        expect(invalid.type === 'result' && !invalid.ok && invalid.error.code).toBe('ERR_VALIDATION');
      } finally {
        client.close();
      }
    });

    it('answers malformed messages with a clear error and keeps the connection working', async () => {
      const client = await openWire(wsUrl, { origin });
      try {
        await client.next();
        const cases: Array<[string | Buffer, number, string]> = [
          ['not json at all', -1, 'not JSON'],
          ['[1,2,3]', -1, 'JSON object'],
          ['null', -1, 'JSON object'],
          [JSON.stringify({ type: 'call', op: 'labInfo' }), -1, 'needs an id'],
          [JSON.stringify({ type: 'call', id: 1.5, op: 'labInfo' }), -1, 'needs an id'],
          [JSON.stringify({ type: 'subscribe', id: 3, op: 'labInfo' }), 3, 'unknown message type'],
          [JSON.stringify({ type: 'call', id: 4, op: 'rm -rf' }), 4, 'unknown operation'],
          [JSON.stringify({ type: 'call', id: 5, op: 'constructor' }), 5, 'unknown operation'],
          [JSON.stringify({ type: 'call', id: 6, op: '__proto__' }), 6, 'unknown operation'],
          [Buffer.from([1, 2, 3]), -1, 'binary messages'],
        ];
        for (const [payload, id, words] of cases) {
          client.socket.send(payload);
          const reply = await client.nextReply();
          expect(reply.type).toBe('result');
          if (reply.type !== 'result' || reply.ok)
            throw new Error(`expected an error for ${String(payload)}`);
          expect(reply.id).toBe(id);
          expect(reply.error.code).toBe('ERR_BAD_REQUEST');
          expect(reply.error.message).toContain(words);
        }
        client.socket.send(JSON.stringify({ type: 'call', id: 99, op: 'labInfo' }));
        expect(await client.nextReply()).toMatchObject({
          type: 'result',
          id: 99,
          ok: true,
          value: { dir: '/labs/demo' },
        });
      } finally {
        client.close();
      }
    });

    it('is refused without the token, with a wrong token, from a foreign origin or a foreign Host', async () => {
      const base = `ws://127.0.0.1:${server.port}/ws`;
      await expect(openWire(base, { origin })).rejects.toThrow('HTTP 401');
      await expect(openWire(`${base}?token=wrong`, { origin })).rejects.toThrow('HTTP 401');
      await expect(openWire(wsUrl, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
      await expect(openWire(wsUrl, { origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(
        'HTTP 403',
      );
      await expect(openWire(wsUrl)).rejects.toThrow('HTTP 403');
      await expect(openWire(wsUrl, { origin, host: `evil.example:${server.port}` })).rejects.toThrow(
        'HTTP 421',
      );
      await expect(
        openWire(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, { origin }),
      ).rejects.toThrow('HTTP 404');
    });

    it('unsubscribes from the pool when a tab goes away', async () => {
      const before = service.listenerCount();
      const client = await openWire(wsUrl, { origin: `http://localhost:${server.port}` });
      await client.next();
      expect(service.listenerCount()).toBe(before + 1);
      await new Promise<void>((resolve) => {
        client.socket.on('close', () => resolve());
        client.close();
      });
      for (let i = 0; i < 50 && service.listenerCount() !== before; i++)
        await new Promise((r) => setImmediate(r));
      expect(service.listenerCount()).toBe(before);
    });
  });
});

describe('browser mode: starting and stopping', () => {
  it('says so clearly when the UI port is taken, and frees its port on close', async () => {
    const fixture = rendererFixture();
    const first = await startBrowserMode({ service: tinyService(), rendererDir: fixture.rendererDir });
    try {
      await expect(
        startBrowserMode({ service: tinyService(), rendererDir: fixture.rendererDir, port: first.port }),
      ).rejects.toThrow(`port ${first.port} on 127.0.0.1 is already in use`);
    } finally {
      await first.close();
    }
    const again = await startBrowserMode({
      service: tinyService(),
      rendererDir: fixture.rendererDir,
      port: first.port,
    });
    expect(again.port).toBe(first.port);
    await again.close();
    await expect(fetch(again.url)).rejects.toThrow();
    fixture.cleanup();
  });
});
