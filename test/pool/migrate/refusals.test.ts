import { afterEach, describe, expect, it } from 'vitest';
import { demoLabSpec } from '../../../src-main/pool/demo';
import { XdcError } from '../../../src-main/pool/errors';
import type { LabSpec } from '../../../src-main/pool/lab';
import type { Pool } from '../../../src-main/pool/pool';
import { ADMIN, openTestPool, type TestPool } from '../../support/pool-fixture';
import { owners } from './helpers';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Everything a migration could have moved, to prove a refusal moved nothing. */
function snapshot(pool: Pool) {
  return {
    placement: [...pool.guests.values()].map((g) => [
      g.id,
      g.hostId,
      g.state,
      ...owners(pool, g),
      ...g.vbds.map((v) => v.ring.hostId),
    ]),
    attached: pool.role.vacant ? [] : pool.role.server.listVolumes().map((v) => [v.id, ...v.attachedHosts]),
    rows: pool.central.repos.migrations.count(),
    events: pool.events(0, 10_000).filter((e) => e.kind.startsWith('migration')).length,
  };
}

/** The refusal as the API's caller gets it (thrown) and as the UI's hover gets it (check). */
function expectRefused(pool: Pool, guestId: string, to: string, code: string, reason: RegExp): void {
  const before = snapshot(pool);
  const hover = pool.checkMigration(guestId, to);
  expect(hover).toEqual({ allowed: false, code, reason: expect.stringMatching(reason) });
  let thrown: unknown;
  try {
    pool.migrate(guestId, to, ADMIN);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(XdcError);
  expect((thrown as XdcError).code).toBe(code);
  expect((thrown as XdcError).message).toBe(hover.reason);
  expect(snapshot(pool)).toEqual(before);
}

function withExtraHost(): LabSpec {
  const spec = demoLabSpec();
  spec.hosts.push({ id: 'h4', name: 'xen-host-4', memoryMiB: 65536, down: false });
  spec.centralHost = 'h3';
  return spec;
}

describe('migrations refused before anything moves, with the reason', () => {
  it('the check allows a good move and says nothing', async () => {
    t = await openTestPool();
    expect(t.pool.checkMigration('g3', 'h3')).toEqual({ allowed: true, code: null, reason: null });
  });

  it('unknown guest or host: not found (404)', async () => {
    t = await openTestPool();
    expectRefused(t.pool, 'g99', 'h2', 'ERR_NOT_FOUND', /no guest g99/);
    expectRefused(t.pool, 'g1', 'h9', 'ERR_NOT_FOUND', /no host h9/);
    expect(new XdcError('ERR_NOT_FOUND', 'x').status).toBe(404);
  });

  it('the central server VM is pinned', async () => {
    t = await openTestPool();
    expectRefused(t.pool, 'central', 'h1', 'ERR_MIGRATION_REFUSED', /central server VM is pinned in the lab/);
  });

  it('same host', async () => {
    t = await openTestPool();
    expectRefused(t.pool, 'g1', 'h1', 'ERR_MIGRATION_REFUSED', /g1 already runs on h1/);
  });

  it('destination down', async () => {
    t = await openTestPool();
    await t.pool.fault('host-crash', 'h3', undefined, ADMIN);
    expectRefused(t.pool, 'g3', 'h3', 'ERR_MIGRATION_REFUSED', /destination host h3 is down/);
  });

  it('destination partitioned, or the source cut off from it', async () => {
    t = await openTestPool();
    await t.pool.fault('partition', 'h3', undefined, ADMIN);
    expectRefused(t.pool, 'g3', 'h3', 'ERR_MIGRATION_REFUSED', /destination host h3 is partitioned/);
    await t.pool.fault('heal', 'h3', undefined, ADMIN);
    await t.pool.fault('partition', 'h2', undefined, ADMIN);
    expectRefused(
      t.pool,
      'g3',
      'h3',
      'ERR_MIGRATION_REFUSED',
      /host h2 cannot reach h3 \(h2 is partitioned\)/,
    );
  });

  it('guest not running (crashed with its host)', async () => {
    t = await openTestPool();
    await t.pool.fault('host-crash', 'h2', undefined, ADMIN);
    expectRefused(
      t.pool,
      'g3',
      'h3',
      'ERR_MIGRATION_REFUSED',
      /g3 is crashed: only a running guest migrates live/,
    );
  });

  it('the volume server is away (its host crashed, no takeover yet)', async () => {
    t = await openTestPool();
    await t.pool.fault('host-crash', 'h1', undefined, ADMIN);
    expectRefused(t.pool, 'g3', 'h3', 'ERR_MIGRATION_REFUSED', /the volume server is unavailable/);
    await t.clock.advance(3000);
    expect(t.pool.checkMigration('g3', 'h3').allowed).toBe(true);
  });

  it('a LUN the destination cannot see: a failed disk of its disk group', async () => {
    t = await openTestPool();
    await t.pool.fault('disk-fail', 'd4', undefined, ADMIN);
    expectRefused(
      t.pool,
      'g3',
      'h3',
      'ERR_MIGRATION_REFUSED',
      /host h3 cannot see LUN 0 \(vol-fs01-sys\): disk d4 of its disk group dg1 has failed/,
    );
    await t.pool.fault('disk-restore', 'd4', undefined, ADMIN);
    expect(t.pool.checkMigration('g3', 'h3').allowed).toBe(true);
  });

  it('a LUN the destination cannot see: its disk group is not attached on that host', async () => {
    t = await openTestPool({ spec: withExtraHost() });
    expect(t.pool.checkMigration('g3', 'h4').allowed).toBe(true);
    await t.pool.role.server.srDetach('dg1', 'h4');
    expectRefused(
      t.pool,
      'g3',
      'h4',
      'ERR_MIGRATION_REFUSED',
      /host h4 cannot see LUN 0 \(vol-fs01-sys\): its disk group dg1 is not attached there/,
    );
  });

  it('destination without room, counting guests already on their way there', async () => {
    const spec = demoLabSpec();
    // h1 runs g1 (4096) + g2 (2048); 1500 MiB left.
    spec.hosts.find((h) => h.id === 'h1')!.memoryMiB = 4096 + 2048 + 1500;
    t = await openTestPool({ spec });
    expectRefused(
      t.pool,
      'g5',
      'h1',
      'ERR_MIGRATION_REFUSED',
      /host h1 has 1500 MiB of its 7644 MiB free; g5 needs 2048 MiB/,
    );
    const g3 = t.pool.migrate('g3', 'h1', ADMIN);
    expect(g3.state).toBe('running');
    expectRefused(
      t.pool,
      'g4',
      'h1',
      'ERR_MIGRATION_REFUSED',
      /host h1 has 476 MiB of its 7644 MiB free; g4 needs 1024 MiB/,
    );
  });

  it('another migration of the same guest in progress; a different guest may go at the same time', async () => {
    t = await openTestPool();
    const first = t.pool.migrate('g3', 'h3', ADMIN);
    expectRefused(
      t.pool,
      'g3',
      'h1',
      'ERR_MIGRATION_REFUSED',
      new RegExp(`g3 is already migrating to h3 \\(job ${first.id}, phase`),
    );
    expect(t.pool.checkMigration('g4', 'h1').allowed).toBe(true);
  });
});
