/**
 * The lab restarts in the middle of a migration: at the next open the job is recorded as failed
 * ("interrupted by a lab restart") in the central database, and the guest comes back on exactly
 * one host, the one that owns its volumes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Pool } from '../../../src-main/pool/pool';
import { ADMIN, openTestPool, type TestPool } from '../../support/pool-fixture';
import { atPhaseStart, blockPattern, guestRead, guestWrite, owners } from './helpers';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function restartDuring(phase: string): Promise<{ jobId: string; pool: Pool; data: Buffer }> {
  t = await openTestPool();
  const first = t.pool;
  const data = blockPattern(3, 512, 8);
  expect((await guestWrite(first, first.guest('g3'), 0, 512, data)).ok).toBe(true);
  let restarted: Promise<Pool> | null = null;
  atPhaseStart(first, phase, () => {
    restarted = t!.reopen();
  });
  const job = first.migrate('g3', 'h3', ADMIN);
  while (restarted === null) await t.clock.advance(250);
  const pool = await (restarted as Promise<Pool>);
  await t.clock.advance(100);
  return { jobId: job.id, pool, data };
}

describe('a lab restart in the middle of a migration', () => {
  it('during pre-copy: the job is recorded as interrupted, the guest is still on the source', async () => {
    const { jobId, pool, data } = await restartDuring('precopy');
    const row = pool.central.repos.migrations.get({ jobId })!;
    expect(row.state).toBe('failed');
    expect(row.error).toEqual({
      code: 'ERR_INTERRUPTED',
      message: 'interrupted by a lab restart during precopy',
    });
    expect(row.endedAt).not.toBeNull();
    const job = pool.job(jobId);
    expect(job.state).toBe('failed');
    expect(job.rolledBack.join(' ')).toMatch(/lab restarted mid-migration/);
    expect(pool.events(0, 10_000, 'migration.failed').some((e) => e.data?.jobId === jobId)).toBe(true);
    const vm = pool.guest('g3');
    expect(vm.hostId).toBe('h2');
    expect(vm.state).toBe('running');
    expect(owners(pool, vm)).toEqual(['h2', 'h2']);
    expect(await guestRead(vm, 0, 512, 8)).toEqual(data);
    expect(pool.invariants().ok).toBe(true);
    // A new job gets a new id, and runs.
    const again = pool.migrate('g3', 'h3', ADMIN);
    expect(again.id).not.toBe(jobId);
  });

  it('after the source released and before the destination acquired: the guest comes back on the source', async () => {
    const { jobId, pool, data } = await restartDuring('acquire');
    expect(pool.job(jobId)).toMatchObject({
      state: 'failed',
      error: { code: 'ERR_INTERRUPTED', message: 'interrupted by a lab restart during acquire' },
    });
    const vm = pool.guest('g3');
    expect(vm.hostId).toBe('h2');
    expect(vm.state).toBe('running');
    expect(owners(pool, vm)).toEqual(['h2', 'h2']);
    expect(await guestRead(vm, 0, 512, 8)).toEqual(data);
    expect(pool.invariants().ok).toBe(true);
  });

  it('just past the commit point: the guest comes back on the destination, which owns its volumes', async () => {
    const { jobId, pool, data } = await restartDuring('resume');
    expect(pool.job(jobId).error?.message).toBe('interrupted by a lab restart during resume');
    const vm = pool.guest('g3');
    expect(vm.hostId).toBe('h3');
    expect(vm.state).toBe('running');
    expect(owners(pool, vm)).toEqual(['h3', 'h3']);
    expect(await guestRead(vm, 0, 512, 8)).toEqual(data);
    expect(pool.invariants().ok).toBe(true);
  });
});
