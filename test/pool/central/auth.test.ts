import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthBroker } from '../../../src-main/pool/central/auth';
import { CentralDb } from '../../../src-main/pool/central/db';
import { NodeSession } from '../../../src-main/pool/central/node-session';
import { CentralRepos } from '../../../src-main/pool/central/repos';
import type { XdcError } from '../../../src-main/pool/errors';
import { type CentralFixture, centralFixture, TEST_SCRYPT } from '../net/lab-fixture';

async function failure(p: Promise<unknown>): Promise<XdcError> {
  try {
    await p;
  } catch (e) {
    return e as XdcError;
  }
  throw new Error('expected a failure');
}

describe('VRTSat, the authentication broker', () => {
  let c: CentralFixture;
  beforeEach(async () => {
    c = centralFixture();
    await c.broker.createUser('olga', 'operator', 'correct horse');
  });
  afterEach(() => c.dispose());

  it('a user logs in and gets an 8-hour token naming them and their role', async () => {
    const r = await c.broker.login('olga', 'correct horse');
    expect(r.role).toBe('operator');
    expect(r.expiresAt).toBe(c.wall.now + 8 * 3_600_000);
    expect(c.broker.verify(r.token)).toMatchObject({
      sub: 'olga',
      kind: 'user',
      role: 'operator',
      iat: c.wall.now,
    });
    expect(c.broker.authenticate(r.token)).toEqual({
      principal: 'user:olga',
      role: 'operator',
      kind: 'user',
      nodeId: null,
    });
  });

  it('a wrong password and an unknown user get the same 401', async () => {
    const wrong = await failure(c.broker.login('olga', 'battery staple'));
    const nobody = await failure(c.broker.login('mallory', 'correct horse'));
    expect(wrong.code).toBe('ERR_UNAUTHENTICATED');
    expect(nobody.toString()).toBe(wrong.toString());
    expect(wrong.status).toBe(401);
  });

  it('after 3 failures further attempts are refused with 429 without checking the password, until the lock passes', async () => {
    for (let i = 0; i < 3; i++)
      expect((await failure(c.broker.login('olga', `guess ${i}`))).code).toBe('ERR_UNAUTHENTICATED');
    const locked = await failure(c.broker.login('olga', 'correct horse'));
    expect(locked.code).toBe('ERR_TOO_MANY_ATTEMPTS');
    expect(locked.status).toBe(429);
    expect(locked.detail?.retryAfterMs).toBe(5000);
    c.wall.now += 4999;
    expect((await failure(c.broker.login('olga', 'correct horse'))).code).toBe('ERR_TOO_MANY_ATTEMPTS');
    c.wall.now += 1;
    expect((await c.broker.login('olga', 'correct horse')).role).toBe('operator');
    // Success resets: three more failures are needed for the next lock.
    expect((await failure(c.broker.login('olga', 'nope'))).code).toBe('ERR_UNAUTHENTICATED');
    expect((await failure(c.broker.login('olga', 'nope'))).code).toBe('ERR_UNAUTHENTICATED');
  });

  it('each further lockout doubles the wait, up to the cap; a quiet window forgets', async () => {
    const waits: number[] = [];
    for (let round = 0; round < 8; round++) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const e = await failure(c.broker.login('olga', 'wrong'));
        if (e.code === 'ERR_TOO_MANY_ATTEMPTS') {
          waits.push(Number(e.detail?.retryAfterMs));
          c.wall.now += Number(e.detail?.retryAfterMs);
          break;
        }
      }
    }
    expect(waits).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000]);
    c.wall.now += 15 * 60_000;
    for (let i = 0; i < 3; i++) await failure(c.broker.login('olga', 'wrong'));
    expect((await failure(c.broker.login('olga', 'wrong'))).detail?.retryAfterMs).toBe(5000);
  });

  it('parallel guesses cannot outrun the throttle', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => failure(c.broker.login('olga', `g${i}`))),
    );
    expect(results.filter((e) => e.code === 'ERR_UNAUTHENTICATED')).toHaveLength(3);
    expect(results.filter((e) => e.code === 'ERR_TOO_MANY_ATTEMPTS')).toHaveLength(7);
  });

  it('a token expires after its lifetime of wall time', async () => {
    const { token } = await c.broker.login('olga', 'correct horse');
    c.wall.now += 8 * 3_600_000 - 1;
    expect(c.broker.verify(token).sub).toBe('olga');
    c.wall.now += 1;
    expect(() => c.broker.verify(token)).toThrow('token expired');
  });

  it('a token signed by another lab is not accepted here', async () => {
    const other = centralFixture();
    try {
      await other.broker.createUser('olga', 'admin', 'correct horse');
      const foreign = (await other.broker.login('olga', 'correct horse')).token;
      expect(() => c.broker.verify(foreign)).toThrow('token signature invalid');
    } finally {
      other.dispose();
    }
  });

  it('the database never contains a password or a node secret', async () => {
    const secret = c.broker.registerNode('g3', 'guest');
    await c.broker.login('olga', 'correct horse');
    const row = c.repos.users.get({ name: 'olga' })!;
    expect(row.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    const file = readFileSync(c.db.file);
    expect(file.includes(Buffer.from('correct horse'))).toBe(false);
    expect(file.includes(Buffer.from(secret))).toBe(false);
    expect(c.repos.nodeCredentials.get({ nodeId: 'g3' })?.secretHash).not.toContain(secret);
  });

  it('two users with the same password get different hashes (per-user salt)', async () => {
    await c.broker.createUser('vic', 'viewer', 'correct horse');
    expect(c.repos.users.get({ name: 'vic' })!.passwordHash).not.toBe(
      c.repos.users.get({ name: 'olga' })!.passwordHash,
    );
  });

  it('a node logs in with its boot secret as an operator-level node principal; a wrong secret is refused', () => {
    const secret = c.broker.registerNode('h2', 'dom0');
    const r = c.broker.loginNode('h2', secret);
    expect(c.broker.authenticate(r.token)).toEqual({
      principal: 'node:h2',
      role: 'operator',
      kind: 'node',
      nodeId: 'h2',
    });
    expect(() => c.broker.loginNode('h2', `${secret}x`)).toThrow(/could not authenticate/);
    const rebooted = c.broker.registerNode('h2', 'dom0');
    expect(() => c.broker.loginNode('h2', secret)).toThrow(/could not authenticate/);
    expect(c.broker.loginNode('h2', rebooted).role).toBe('operator');
  });

  it('a node session logs in again before its token expires', () => {
    const session = new NodeSession(c.broker, 'g1', c.broker.registerNode('g1', 'guest'), () => c.wall.now);
    const first = session.token;
    c.wall.now += 8 * 3_600_000 - 6 * 60_000;
    expect(session.token).toBe(first);
    c.wall.now += 2 * 60_000;
    const renewed = session.token;
    expect(renewed).not.toBe(first);
    c.wall.now += 5 * 60_000;
    expect(() => c.broker.verify(first)).toThrow('token expired');
    expect(c.broker.verify(session.token).sub).toBe('g1');
  });

  it('requireRole follows admin > operator > viewer', async () => {
    const claims = c.broker.verify((await c.broker.login('olga', 'correct horse')).token);
    expect(() => c.broker.requireRole(claims, 'viewer')).not.toThrow();
    expect(() => c.broker.requireRole(claims, 'operator')).not.toThrow();
    expect(() => c.broker.requireRole(claims, 'admin')).toThrow(
      expect.objectContaining({ code: 'ERR_FORBIDDEN' }),
    );
  });

  it('a new lab gets admin, operator and viewer with generated passwords in a private credentials.json', async () => {
    const fresh = centralFixture();
    try {
      const made = await fresh.broker.ensureDefaultUsers(fresh.labDir);
      expect(made).toEqual({ created: true, file: join(fresh.labDir, 'credentials.json') });
      expect(statSync(made.file).mode & 0o777).toBe(0o600);
      const creds = JSON.parse(readFileSync(made.file, 'utf8')) as {
        users: Array<{ name: string; role: string; password: string }>;
      };
      expect(creds.users.map((u) => [u.name, u.role])).toEqual([
        ['admin', 'admin'],
        ['operator', 'operator'],
        ['viewer', 'viewer'],
      ]);
      expect(new Set(creds.users.map((u) => u.password)).size).toBe(3);
      for (const u of creds.users) expect((await fresh.broker.login(u.name, u.password)).role).toBe(u.role);
      expect((await fresh.broker.ensureDefaultUsers(fresh.labDir)).created).toBe(false);
    } finally {
      fresh.dispose();
    }
  });

  it('tokens stay valid across a restart of the central server (the signing key is in the database)', async () => {
    const { token } = await c.broker.login('olga', 'correct horse');
    c.db.close();
    const db = CentralDb.open(c.labDir);
    try {
      const broker = new AuthBroker(new CentralRepos(db), { now: () => c.wall.now, scrypt: TEST_SCRYPT });
      expect(broker.verify(token).sub).toBe('olga');
    } finally {
      db.close();
    }
    c.db = CentralDb.open(c.labDir);
  });
});
