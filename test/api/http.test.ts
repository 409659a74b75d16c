import { request } from 'node:http';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type MigrationJob,
  type OpName,
  type OpOutput,
  operations,
  type PoolEvent,
} from '../../src-main/api/contract';
import { EVENT_STREAM_PATH, mountApi } from '../../src-main/api/http';
import type { ApiService, Caller } from '../../src-main/api/service-types';
import { EventLog } from '../../src-main/pool/central/events';
import { roleAtLeast } from '../../src-main/pool/central/roles';
import { XdcError } from '../../src-main/pool/errors';
import { Xprtld } from '../../src-main/pool/net/xprtld';
import { type CentralFixture, centralFixture } from '../pool/net/lab-fixture';

/**
 * A tiny pool behind a real ApiService: guests g1/g2, hosts h1/h2, migration jobs in a map,
 * the real event log and VRTSat broker. Enough to drive the HTTP mapping for real.
 */
function tinyService(central: CentralFixture, log: EventLog) {
  const guests: Record<string, string> = { g1: 'h1', g2: 'h2' };
  const jobs = new Map<string, MigrationJob>();
  let listeners = 0;
  const handlers: Partial<{ [K in OpName]: (input: never, caller: Caller) => Promise<unknown> | unknown }> = {
    login: (i: { user: string; password: string }) => central.broker.login(i.user, i.password),
    events: (i: { after: number; limit: number; kind?: string }) => log.after(i.after, i.limit, i.kind),
    checkMigration: (i: { guestId: string; to: string }) =>
      guests[i.guestId] === i.to
        ? { allowed: false, code: 'ERR_MIGRATION_REFUSED', reason: `${i.guestId} already runs on ${i.to}` }
        : { allowed: true, code: null, reason: null },
    migrate: (i: { guestId: string; to: string }, caller: Caller) => {
      const from = guests[i.guestId];
      if (!from) throw new XdcError('ERR_NOT_FOUND', `no guest ${i.guestId}`);
      const job: MigrationJob = {
        id: `m${jobs.size + 1}`,
        kind: 'migration',
        guestId: i.guestId,
        from,
        to: i.to,
        state: 'running',
        phase: 'checks',
        progress: 0,
        phases: [],
        rounds: 0,
        bytesSent: 0,
        downtimeMs: null,
        totalMs: null,
        model: 'precopy',
        error: null,
        rolledBack: [],
        startedAt: 0,
      };
      jobs.set(job.id, job);
      log.append({
        time: 0,
        kind: 'migration.started',
        source: caller.principal,
        subject: i.guestId,
        message: `migrating ${i.guestId} to ${i.to}`,
      });
      return job;
    },
    getJob: (i: { jobId: string }) => {
      const j = jobs.get(i.jobId);
      if (!j) throw new XdcError('ERR_NOT_FOUND', `no job ${i.jobId}`);
      return j;
    },
    listJobs: () => [...jobs.values()],
  };
  const service: ApiService = {
    async call<K extends OpName>(op: K, input: unknown, caller: Caller): Promise<OpOutput<K>> {
      const def = operations[op];
      if (!roleAtLeast(caller.role, def.role)) throw new XdcError('ERR_FORBIDDEN', `${op} needs ${def.role}`);
      const parsed = def.input.parse(input);
      const h = handlers[op];
      if (!h) throw new XdcError('ERR_UNSUPPORTED', `${op} is not in this tiny pool`);
      return (await h(parsed as never, caller)) as OpOutput<K>;
    },
    subscribe(listener) {
      listeners++;
      const stop = log.subscribe(listener);
      return () => {
        listeners--;
        stop();
      };
    },
    verifyToken: (t) => central.broker.authenticate(t),
  };
  return { service, listeners: () => listeners };
}

interface Answer {
  status: number;
  body: unknown;
  headers?: import('node:http').IncomingHttpHeaders;
}

function http(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // left as text: the test says what it expects
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const errorOf = (a: Answer) => (a.body as { error: { code: string; message: string } }).error;

describe('the HTTP API on the central server', () => {
  let central: CentralFixture;
  let log: EventLog;
  let xprtld: Xprtld;
  let tiny: ReturnType<typeof tinyService>;
  let operator: string;
  let viewer: string;

  beforeEach(async () => {
    central = centralFixture();
    await central.broker.createUser('olga', 'operator', 'operator-pass');
    await central.broker.createUser('vic', 'viewer', 'viewer-pass');
    log = new EventLog(central.db);
    tiny = tinyService(central, log);
    xprtld = new Xprtld({ nodeId: 'c1', authenticate: (t) => central.broker.authenticate(t) });
    mountApi(xprtld, tiny.service);
    await xprtld.start();
    operator = central.broker.issueUserToken('olga').token;
    viewer = central.broker.issueUserToken('vic').token;
  });

  afterEach(async () => {
    await xprtld.stop();
    central.dispose();
  });

  it('login is public and returns a token that works on the other routes', async () => {
    const r = await http(xprtld.port, 'POST', '/api/v1/login', {
      body: JSON.stringify({ user: 'olga', password: 'operator-pass' }),
    });
    expect(r.status).toBe(200);
    const { token, role } = r.body as { token: string; role: string };
    expect(role).toBe('operator');
    expect((await http(xprtld.port, 'GET', '/api/v1/jobs', { token })).body).toEqual([]);
    const bad = await http(xprtld.port, 'POST', '/api/v1/login', {
      body: JSON.stringify({ user: 'olga', password: 'nope' }),
    });
    expect(bad.status).toBe(401);
    expect(errorOf(bad).message).toBe('wrong user name or password');
    central.wall.now += 9 * 3_600_000;
    const stale = await http(xprtld.port, 'POST', '/api/v1/login', {
      token,
      body: JSON.stringify({ user: 'olga', password: 'operator-pass' }),
    });
    expect(stale.status).toBe(200);
    expect((await http(xprtld.port, 'GET', '/api/v1/jobs', { token })).status).toBe(401);
  });

  it('repeated failed logins are answered 429 with Retry-After', async () => {
    const attempt = () =>
      http(xprtld.port, 'POST', '/api/v1/login', {
        body: JSON.stringify({ user: 'vic', password: 'guess-guess' }),
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const locked = await attempt();
    expect(locked.status).toBe(429);
    expect(locked.headers?.['retry-after']).toBe('5');
    expect(errorOf(locked)).toEqual({
      code: 'ERR_TOO_MANY_ATTEMPTS',
      message: 'too many failed logins for user:vic; try again in 5 s',
    });
  });

  it('GET with a query: numeric values are coerced (after, limit)', async () => {
    for (let i = 1; i <= 5; i++)
      log.append({ time: i, kind: i % 2 ? 'fault' : 'migration.phase', source: 'h1', message: `e${i}` });
    const r = await http(xprtld.port, 'GET', '/api/v1/events?after=1&limit=2', { token: viewer });
    expect(r.status).toBe(200);
    expect((r.body as PoolEvent[]).map((e) => e.seq)).toEqual([2, 3]);
    const byKind = await http(xprtld.port, 'GET', '/api/v1/events?kind=fault', { token: viewer });
    expect((byKind.body as PoolEvent[]).map((e) => e.seq)).toEqual([1, 3, 5]);
    const bad = await http(xprtld.port, 'GET', '/api/v1/events?limit=lots', { token: viewer });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toEqual({
      code: 'ERR_VALIDATION',
      message: expect.stringMatching(/^events: limit: expected number/),
    });
    const tooMany = await http(xprtld.port, 'GET', '/api/v1/events?limit=9000', { token: viewer });
    expect(errorOf(tooMany).message).toMatch(/limit: Too big/i);
  });

  it('POST with path params: an operator migrates g1; the job is readable by id; a viewer is refused', async () => {
    const r = await http(xprtld.port, 'POST', '/api/v1/guests/g1/migrate', {
      token: operator,
      body: JSON.stringify({ to: 'h2' }),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'm1', guestId: 'g1', from: 'h1', to: 'h2', state: 'running' });
    expect((await http(xprtld.port, 'GET', '/api/v1/jobs/m1', { token: viewer })).body).toMatchObject({
      id: 'm1',
    });
    const check = await http(xprtld.port, 'GET', '/api/v1/guests/g2/migrate/check?to=h2', { token: viewer });
    expect(check.body).toEqual({
      allowed: false,
      code: 'ERR_MIGRATION_REFUSED',
      reason: 'g2 already runs on h2',
    });
    const refused = await http(xprtld.port, 'POST', '/api/v1/guests/g1/migrate', {
      token: viewer,
      body: '{"to":"h2"}',
    });
    expect(refused.status).toBe(403);
    const missing = await http(xprtld.port, 'GET', '/api/v1/jobs/m9', { token: viewer });
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: 'ERR_NOT_FOUND', message: 'no job m9' } },
    });
  });

  it('400 on malformed JSON, wrong types, unknown fields, a non-object body, and a path param repeated differently', async () => {
    const post = (body: string) =>
      http(xprtld.port, 'POST', '/api/v1/guests/g1/migrate', { token: operator, body });
    const malformed = await post('{"to": h2}');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('ERR_BAD_REQUEST');
    const wrongType = await post('{"to": 5}');
    expect(wrongType.status).toBe(400);
    expect(errorOf(wrongType)).toEqual({
      code: 'ERR_VALIDATION',
      message: 'migrate: to: expected string, received number',
    });
    const unknown = await post('{"to": "h2", "force": true}');
    expect(errorOf(unknown)).toEqual({
      code: 'ERR_VALIDATION',
      message: "unknown field 'force' for migrate (expected guestId, to)",
    });
    expect(errorOf(await post('[1,2]')).message).toBe('the request body must be a JSON object, not an array');
    expect(errorOf(await post('{"to":"h2","guestId":"g2"}')).message).toMatch(/guestId is given by the path/);
    expect(errorOf(await post('{}')).message).toMatch(/^migrate: to: expected string, received undefined/);
  });

  it('404 on an unknown route, 401 without a token', async () => {
    const r = await http(xprtld.port, 'GET', '/api/v1/nowhere', { token: viewer });
    expect(r.status).toBe(404);
    expect(errorOf(r).code).toBe('ERR_NOT_FOUND');
    expect((await http(xprtld.port, 'GET', '/api/v1/jobs')).status).toBe(401);
  });

  it('the SSE stream replays from ?after=, then delivers appended events; closing it unsubscribes', async () => {
    for (let i = 1; i <= 3; i++) log.append({ time: i, kind: 'fault', source: 'h1', message: `old ${i}` });
    const received: PoolEvent[] = [];
    let buffer = '';
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: xprtld.port, path: `${EVENT_STREAM_PATH}?after=1&token=${viewer}` },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (received.length >= n) {
            res.off('data', onData);
            resolve();
          }
        };
        const onData = (c: Buffer) => {
          buffer += c.toString('utf8');
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (data) received.push(JSON.parse(data.slice(6)) as PoolEvent);
          }
          check();
        };
        res.on('data', onData);
        check();
      });
    await got(2);
    expect(received.map((e) => e.message)).toEqual(['old 2', 'old 3']);
    expect(tiny.listeners()).toBe(1);
    await http(xprtld.port, 'POST', '/api/v1/guests/g2/migrate', { token: operator, body: '{"to":"h1"}' });
    await got(3);
    expect(received[2]).toMatchObject({
      seq: 4,
      kind: 'migration.started',
      subject: 'g2',
      source: 'user:olga',
    });
    res.destroy();
    for (let i = 0; i < 200 && tiny.listeners() > 0; i++) await new Promise<void>((r) => setImmediate(r));
    expect(tiny.listeners()).toBe(0);
  });

  it('the SSE stream needs a token and a whole-number after', async () => {
    expect((await http(xprtld.port, 'GET', EVENT_STREAM_PATH)).status).toBe(401);
    const bad = await http(xprtld.port, 'GET', `${EVENT_STREAM_PATH}?after=-3`, { token: viewer });
    expect(bad.status).toBe(400);
    expect(tiny.listeners()).toBe(0);
  });

  it('fuzz: no body, query or path ever gets a 500 or takes the server down', async () => {
    const routes = [
      ['POST', '/api/v1/login'],
      ['POST', '/api/v1/guests/g1/migrate'],
      ['POST', '/api/v1/guests/g1/dcli'],
      ['POST', '/api/v1/faults'],
      ['POST', '/api/v1/clock'],
    ] as const;
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .dictionary(
          fc.constantFrom(
            'to',
            'user',
            'password',
            'guestId',
            'line',
            'speed',
            'kind',
            '__proto__',
            'constructor',
          ),
          fc.jsonValue(),
        )
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], b) => {
        const r = await http(xprtld.port, method, path, { token: operator, body: b });
        expect(r.status).toBeLessThan(500);
        expect(errorOf(r)?.code ?? 'ok').toMatch(/^(ok|ERR_[A-Z_]+)$/);
      }),
      { numRuns: 80 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), async (key, value) => {
        const qs = new URLSearchParams([[key, value]]).toString();
        const r = await http(xprtld.port, 'GET', `/api/v1/events?${qs}`, { token: viewer });
        expect(r.status).toBeLessThan(500);
        const p = await http(xprtld.port, 'GET', `/api/v1/jobs/${encodeURIComponent(value) || 'x'}`, {
          token: viewer,
        });
        expect(p.status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    expect((await http(xprtld.port, 'GET', '/api/v1/jobs', { token: viewer })).status).toBe(200);
  });
});
