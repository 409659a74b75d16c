/**
 * The one API over HTTP on the central server's xprtld, against the real demo pool: what a
 * script or a storage engineer with curl sees.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BootedLab, bootLab } from '../../src-main/api/boot';
import type { PoolView } from '../../src-main/api/contract';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { TEST_AUTH } from '../support/pool-fixture';

let dir: string;
let lab: BootedLab;
let clock: VirtualClock;
let wallNow = Date.now();

async function boot(): Promise<void> {
  clock = new VirtualClock();
  lab = await bootLab({ labDir: join(dir, 'lab'), clock, auth: { ...TEST_AUTH, now: () => wallNow } });
  clock.quiesce = () => lab.labs.current().fabric.quiesce();
  await clock.advance(50);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xdc-http-'));
  process.env.XDC_LAB_HOME = join(dir, 'home');
  wallNow = Date.now();
  await boot();
});

afterEach(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

async function http(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON answers field by field
): Promise<{ status: number; json: any }> {
  const r = await fetch(lab.apiUrl + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

function passwords(): Record<string, string> {
  const file = JSON.parse(readFileSync(join(dir, 'lab', 'credentials.json'), 'utf8')) as {
    users: Array<{ name: string; password: string }>;
  };
  return Object.fromEntries(file.users.map((u) => [u.name, u.password]));
}

describe('the HTTP API of the central server', () => {
  it('logs in with the generated credentials and serves the pool to a viewer, but refuses DCLI to it (403)', async () => {
    const pw = passwords();
    const viewer = await http('POST', '/api/v1/login', null, { user: 'viewer', password: pw.viewer });
    expect(viewer.status).toBe(200);
    expect(viewer.json.role).toBe('viewer');
    const pool = await http('GET', '/api/v1/pool', viewer.json.token);
    expect(pool.status).toBe(200);
    expect((pool.json as PoolView).hosts).toHaveLength(3);
    const dcli = await http('POST', '/api/v1/guests/g1/dcli', viewer.json.token, { line: 'dcli lun list' });
    expect(dcli.status).toBe(403);
    expect(dcli.json.error.code).toBe('ERR_FORBIDDEN');
    const op = await http('POST', '/api/v1/login', null, { user: 'operator', password: pw.operator });
    const ok = await http('POST', '/api/v1/guests/g1/dcli', op.json.token, { line: 'dcli lun list' });
    expect(ok.status).toBe(200);
    expect(ok.json.exitCode).toBe(0);
  });

  it('refuses requests without a token, with a forged token and with an expired one (401)', async () => {
    expect((await http('GET', '/api/v1/pool', null)).status).toBe(401);
    const forged = `${lab.adminToken.slice(0, -4)}AAAA`;
    const f = await http('GET', '/api/v1/pool', forged);
    expect(f.status).toBe(401);
    expect(f.json.error.code).toBe('ERR_UNAUTHENTICATED');
    wallNow += 9 * 3_600_000;
    const e = await http('GET', '/api/v1/pool', lab.adminToken);
    expect(e.status).toBe(401);
    expect(e.json.error.message).toMatch(/expired/);
  });

  it('a wrong password is refused, and repeated failures are slowed down (429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await http('POST', '/api/v1/login', null, { user: 'admin', password: 'wrong' })).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses[4]).toBe(429);
  });

  it('discovery results match the pool: each guest reports the LUNs the volume server attached to it', async () => {
    const pool = (await http('GET', '/api/v1/pool', lab.adminToken)).json as PoolView;
    for (const g of pool.guests.filter((x) => !x.central)) {
      const vols = pool.volumes.filter((v) => v.guestId === g.id).sort((a, b) => a.lun! - b.lun!);
      expect(g.luns.map((l) => [l.lun, l.vdiId, l.sizeBytes])).toEqual(
        vols.map((v) => [v.lun, v.id, v.sizeBytes]),
      );
    }
  });

  it('reporter updates arrive in the central database: a snapshot taken in a guest is recorded and in the event log', async () => {
    const r = await http('POST', '/api/v1/guests/g5/dcli', lab.adminToken, {
      line: 'dcli snapshot create 1 --name nightly',
    });
    expect(r.json.exitCode).toBe(0);
    await clock.advance(100);
    const sets = lab.labs.current().central.repos.snapshotSets.list();
    expect(sets.some((s) => s.guestId === 'g5')).toBe(true);
    const events = await http('GET', '/api/v1/events?after=0&limit=5000', lab.adminToken);
    expect(events.json.some((e: { kind: string; subject: string }) => e.kind === 'snapshot.created')).toBe(
      true,
    );
  });

  it('a partitioned guest is reported as unreachable and does not answer the central server', async () => {
    const f = await http('POST', '/api/v1/faults', lab.adminToken, { kind: 'partition', target: 'g4' });
    expect(f.status).toBe(200);
    const pool = (await http('GET', '/api/v1/pool', lab.adminToken)).json as PoolView;
    expect(pool.guests.find((g) => g.id === 'g4')!.reachable).toBe(false);
    const script = lab.service.call(
      'runScript',
      { guestId: 'g4', script: 'rescan-luns' },
      { principal: 'user:admin', role: 'admin' },
    );
    await expect(clock.run(script)).rejects.toThrow(/guest g4 did not answer within .*partitioned/);
  });

  it('restarts with the database intact: users, events and snapshot records are still there', async () => {
    await http('POST', '/api/v1/guests/g5/dcli', lab.adminToken, {
      line: 'dcli snapshot create 0 --name keep-me',
    });
    const before = lab.labs.current().central.repos.snapshotSets.list().length;
    const seq = lab.labs.current().central.events.seq;
    await lab.close();
    await boot();
    expect(lab.labs.current().central.repos.snapshotSets.list().length).toBe(before);
    expect(lab.labs.current().central.events.seq).toBeGreaterThan(seq);
    const login = await http('POST', '/api/v1/login', null, { user: 'admin', password: passwords().admin });
    expect(login.status).toBe(200);
    const list = await http('POST', '/api/v1/guests/g5/dcli', lab.adminToken, { line: 'dcli snapshot list' });
    expect(list.json.output).toContain('keep-me');
  });

  it('malformed JSON, wrong types and unknown ids get 400/404 with a reason, never a crash', async () => {
    const bad = await http('POST', '/api/v1/guests/g1/dcli', lab.adminToken, '{"line":');
    expect(bad.status).toBe(400);
    const wrongType = await http('POST', '/api/v1/guests/g1/migrate', lab.adminToken, { to: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toMatch(/to/);
    const unknown = await http('POST', '/api/v1/guests/nope/dcli', lab.adminToken, { line: 'dcli lun list' });
    expect(unknown.status).toBe(404);
    const fault = await http('POST', '/api/v1/faults', lab.adminToken, { kind: 'host-crash', target: 'h9' });
    expect(fault.status).toBe(404);
  });

  it('fuzzed request bodies never get a 500 and the pool keeps answering', async () => {
    const routes = [
      '/api/v1/guests/g1/dcli',
      '/api/v1/guests/g2/migrate',
      '/api/v1/faults',
      '/api/v1/login',
      '/api/v1/clock',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (route, body) => {
          if (route.endsWith('/faults') || route.endsWith('/clock')) return; // these succeed on valid bodies and change state
          const r = await http('POST', route, lab.adminToken, body);
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    expect((await http('GET', '/api/v1/pool', lab.adminToken)).status).toBe(200);
  });
});
