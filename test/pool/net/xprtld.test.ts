import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Xprtld } from '../../../src-main/pool/net/xprtld';
import { type CentralFixture, centralFixture } from './lab-fixture';

/** A raw HTTP exchange, so the tests see exactly what any client would. */
function http(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('xprtld on a Dom0', () => {
  let central: CentralFixture;
  let dom0: Xprtld;
  let operatorToken: string;
  let viewerToken: string;

  beforeEach(async () => {
    central = centralFixture();
    await central.broker.createUser('olga', 'operator', 'operator-pass');
    await central.broker.createUser('vic', 'viewer', 'viewer-pass');
    operatorToken = (await central.broker.login('olga', 'operator-pass')).token;
    viewerToken = (await central.broker.login('vic', 'viewer-pass')).token;
    dom0 = new Xprtld({ nodeId: 'h1', authenticate: (t) => central.broker.authenticate(t) });
    dom0.route(
      'POST',
      '/xdc/v1/volumes/{vdiId}/activate',
      (ctx) => ({ activated: ctx.params.vdiId, by: ctx.caller?.principal, body: ctx.body }),
      {
        role: 'operator',
      },
    );
    dom0.route('GET', '/xdc/v1/volumes', (ctx) => ({ count: Number(ctx.query.get('limit') ?? 0) }));
    dom0.route('GET', '/xdc/v1/explode', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    dom0.route('POST', '/xdc/v1/internal', () => ({ ok: true }), { role: 'node' });
    await dom0.start();
  });

  afterEach(async () => {
    await dom0.stop();
    central.dispose();
  });

  it('listens on 127.0.0.1 only, on an ephemeral port', async () => {
    expect(dom0.port).toBeGreaterThan(0);
    expect(dom0.url).toBe(`http://127.0.0.1:${dom0.port}`);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const req = request(
          { host: external.address, port: dom0.port, path: '/xdc/v1/volumes', timeout: 2000 },
          () => resolve(new Error('answered on a non-loopback address')),
        );
        req.on('error', (e) => resolve(e));
        req.end();
      });
      expect(err.code).toBe('ECONNREFUSED');
    }
  });

  it('a fixed port already taken is a clear ERR_CONFLICT', async () => {
    const second = new Xprtld({ nodeId: 'h9', authenticate: (t) => central.broker.authenticate(t) });
    await expect(second.start(dom0.port)).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
      message: `xprtld h9: port ${dom0.port} on 127.0.0.1 is already in use`,
    });
  });

  it('an operator activates a volume: path params, JSON body and the verified caller reach the handler', async () => {
    const r = await http(dom0.port, 'POST', '/xdc/v1/volumes/vdi-7/activate', {
      token: operatorToken,
      body: '{"mode":"rw"}',
    });
    expect(r).toEqual({ status: 200, body: { activated: 'vdi-7', by: 'user:olga', body: { mode: 'rw' } } });
  });

  it('refuses a request without a token with 401', async () => {
    const r = await http(dom0.port, 'GET', '/xdc/v1/volumes');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      error: { code: 'ERR_UNAUTHENTICATED', message: expect.stringContaining('token is required') },
    });
  });

  it('refuses a forged token with 401 "token signature invalid"', async () => {
    const [v, claims] = operatorToken.split('.');
    const payload = JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
    const forged = `${v}.${elevated}.${operatorToken.split('.')[2]}`;
    const r = await http(dom0.port, 'GET', '/xdc/v1/volumes', { token: forged });
    expect(r).toEqual({
      status: 401,
      body: { error: { code: 'ERR_UNAUTHENTICATED', message: 'token signature invalid' } },
    });
    const garbage = await http(dom0.port, 'GET', '/xdc/v1/volumes', { token: 'not-a-token' });
    expect(garbage.body).toEqual({ error: { code: 'ERR_UNAUTHENTICATED', message: 'malformed token' } });
  });

  it('refuses an expired token with 401 "token expired"', async () => {
    central.wall.now += 8 * 3_600_000 - 1;
    expect((await http(dom0.port, 'GET', '/xdc/v1/volumes', { token: viewerToken })).status).toBe(200);
    central.wall.now += 1;
    const r = await http(dom0.port, 'GET', '/xdc/v1/volumes', { token: viewerToken });
    expect(r).toEqual({
      status: 401,
      body: { error: { code: 'ERR_UNAUTHENTICATED', message: 'token expired' } },
    });
  });

  it('refuses a viewer on an operator route with 403, and a user on a node-only route', async () => {
    const r = await http(dom0.port, 'POST', '/xdc/v1/volumes/vdi-7/activate', {
      token: viewerToken,
      body: '{}',
    });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      error: { code: 'ERR_FORBIDDEN', message: expect.stringContaining('needs operator') },
    });
    const admin = central.broker.issueUserToken('olga').token;
    const n = await http(dom0.port, 'POST', '/xdc/v1/internal', { token: admin, body: '{}' });
    expect(n.status).toBe(403);
  });

  it('refuses a user token that claims to come from a node (X-Xdc-From)', async () => {
    const r = await http(dom0.port, 'GET', '/xdc/v1/volumes', {
      token: operatorToken,
      headers: { 'x-xdc-from': 'g3' },
    });
    expect(r.status).toBe(403);
    expect(JSON.stringify(r.body)).toContain('X-Xdc-From says g3');
  });

  it('answers malformed JSON with 400 ERR_BAD_REQUEST', async () => {
    const r = await http(dom0.port, 'POST', '/xdc/v1/volumes/vdi-1/activate', {
      token: operatorToken,
      body: '{"mode": rw',
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: { code: 'ERR_BAD_REQUEST', message: expect.stringContaining('not valid JSON') },
    });
  });

  it('answers an unknown path with 404 and a wrong method with 405', async () => {
    const r = await http(dom0.port, 'GET', '/xdc/v1/nothing-here', { token: operatorToken });
    expect(r).toEqual({
      status: 404,
      body: {
        error: { code: 'ERR_NOT_FOUND', message: 'no route for GET /xdc/v1/nothing-here on xprtld h1' },
      },
    });
    const m = await http(dom0.port, 'GET', '/xdc/v1/volumes/vdi-1/activate', { token: operatorToken });
    expect(m.status).toBe(405);
  });

  it('a handler that throws gives 500 with a sentence, and xprtld keeps serving', async () => {
    const r = await http(dom0.port, 'GET', '/xdc/v1/explode', { token: viewerToken });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({
      error: {
        code: 'ERR_INTERNAL',
        message: 'GET /xdc/v1/explode on h1 failed unexpectedly: cannot read properties of undefined',
      },
    });
    const after = await http(dom0.port, 'GET', '/xdc/v1/volumes?limit=3', { token: viewerToken });
    expect(after).toEqual({ status: 200, body: { count: 3 } });
  });

  it('refuses a body over the limit with 413', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) });
    const r = await http(dom0.port, 'POST', '/xdc/v1/volumes/vdi-1/activate', {
      token: operatorToken,
      body: big,
    });
    expect(r.status).toBe(413);
    expect((r.body as { error: { code: string } }).error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });
});
