/**
 * A fault in each phase of a live migration ends in one consistent state: the guest runs on
 * exactly one host (or crashed with its host), each volume has one owner, no acknowledged write
 * is lost, and the job says which phase failed and what was rolled back (or forward).
 *
 * The stage: g3 (1 GiB, LUNs 0-1) migrates from h2 to h3; the volume server is on h1. Each fault
 * is injected through the pool's fault API at an exact pool instant: as its phase starts (from
 * the phase's own event), or a fixed time into it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultKind, MigrationJob } from '../../../src-main/api/contract';
import type { Pool } from '../../../src-main/pool/pool';
import { ADMIN, openTestPool, type TestPool } from '../../support/pool-fixture';
import { atPhaseStart, blockPattern, guestRead, guestWrite, owners, untilDone } from './helpers';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Case {
  name: string;
  phase: string;
  fault: [FaultKind, string];
  /** The phase the job reports as failed, when not the one the fault hit. */
  failsIn?: string;
  /** Pool ms into the phase; default: as it starts. */
  afterMs?: number;
  guest?: string;
  from?: string;
  to?: string;
  expect: {
    state: MigrationJob['state'];
    host: string;
    run: 'running' | 'crashed';
    lines?: RegExp[];
    error?: RegExp;
  };
  /** What ends the fault afterwards (restore a host, heal a partition, restore a disk). */
  undo: [FaultKind, string];
}

const cases: Case[] = [
  // ---- the destination crashes
  {
    name: 'destination crash as the early attach starts',
    phase: 'attach',
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      lines: [/g3 kept running on h2/],
      error: /host h3 crashed/,
    },
  },
  {
    name: 'destination crash 3 s into pre-copy',
    phase: 'precopy',
    afterMs: 3000,
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      lines: [
        /g3 kept running on h2/,
        /the volume server detached vol-fs01-sys, vol-fs01-data from h3 \(down\)/,
      ],
    },
  },
  {
    name: 'destination crash during stop-and-copy',
    phase: 'stop-and-copy',
    afterMs: 5,
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: { state: 'failed', host: 'h2', run: 'running', lines: [/g3 resumed on h2/] },
  },
  {
    name: 'destination crash as it is about to acquire (the source has released)',
    phase: 'acquire',
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      lines: [/h2 took vol-fs01-sys back/, /h2 took vol-fs01-data back/, /g3 resumed on h2/],
    },
  },
  {
    name: 'destination crash during resume, past the commit point: rolled forward, the guest crashed with h3',
    phase: 'resume',
    afterMs: 5,
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: {
      state: 'failed',
      host: 'h3',
      run: 'crashed',
      lines: [
        /past the commit point: g3 belongs to h3/,
        /g3 crashed with h3/,
        /h2 detached vol-fs01-sys, vol-fs01-data/,
      ],
    },
  },
  {
    name: 'destination crash during detach, after the guest resumed there: the migration itself succeeded',
    phase: 'detach',
    fault: ['host-crash', 'h3'],
    undo: ['host-restore', 'h3'],
    expect: { state: 'succeeded', host: 'h3', run: 'crashed' },
  },
  // ---- the source crashes
  {
    name: 'source crash 3 s into pre-copy: the guest crashed with it',
    phase: 'precopy',
    afterMs: 3000,
    fault: ['host-crash', 'h2'],
    undo: ['host-restore', 'h2'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'crashed',
      lines: [/g3 crashed with h2/, /h3 detached vol-fs01-sys, vol-fs01-data/],
    },
  },
  {
    name: 'source crash while it releases the volumes',
    phase: 'release',
    fault: ['host-crash', 'h2'],
    undo: ['host-restore', 'h2'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'crashed',
      lines: [/never acknowledged: the guest crashed with h2/],
    },
  },
  {
    name: 'source crash after it released, before the destination acquired',
    phase: 'acquire',
    fault: ['host-crash', 'h2'],
    undo: ['host-restore', 'h2'],
    expect: { state: 'failed', host: 'h2', run: 'crashed', lines: [/g3 crashed with h2/] },
  },
  {
    name: 'source crash during resume, past the commit point: the guest is safe on h3',
    phase: 'resume',
    afterMs: 5,
    fault: ['host-crash', 'h2'],
    undo: ['host-restore', 'h2'],
    expect: { state: 'succeeded', host: 'h3', run: 'running' },
  },
  // ---- partitions
  {
    name: 'destination partitioned 3 s into pre-copy: the memory stream breaks',
    phase: 'precopy',
    afterMs: 3000,
    fault: ['partition', 'h3'],
    undo: ['heal', 'h3'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /memory stream from h2 to h3 broke during pre-copy round 1: h3 is partitioned/,
      lines: [/the volume server detached vol-fs01-sys, vol-fs01-data from h3 \(unreachable\)/],
    },
  },
  {
    name: 'destination partitioned as it is about to acquire',
    phase: 'acquire',
    fault: ['partition', 'h3'],
    undo: ['heal', 'h3'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /h3 could not acquire vol-fs01-sys .* gave up after retrying/,
      lines: [/h2 took vol-fs01-sys back/, /g3 resumed on h2/],
    },
  },
  {
    name: 'source partitioned during stop-and-copy',
    phase: 'stop-and-copy',
    afterMs: 5,
    fault: ['partition', 'h2'],
    undo: ['heal', 'h2'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /memory stream from h2 to h3 broke during stop-and-copy: h2 is partitioned/,
      lines: [/g3 resumed on h2/],
    },
  },
  {
    name: 'source partitioned as it is about to release',
    phase: 'release',
    fault: ['partition', 'h2'],
    undo: ['heal', 'h2'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /h2 could not release vol-fs01-sys/,
      lines: [/g3 resumed on h2/],
    },
  },
  // ---- the volume server's host crashes: the role moves, the storage calls are made again on the new one
  {
    name: 'volume server host crash during the early attach',
    phase: 'attach',
    fault: ['host-crash', 'h1'],
    undo: ['host-restore', 'h1'],
    expect: { state: 'succeeded', host: 'h3', run: 'running' },
  },
  {
    name: 'volume server host crash as the source releases',
    phase: 'release',
    fault: ['host-crash', 'h1'],
    undo: ['host-restore', 'h1'],
    expect: { state: 'succeeded', host: 'h3', run: 'running' },
  },
  {
    name: 'volume server host crash as the destination acquires',
    phase: 'acquire',
    fault: ['host-crash', 'h1'],
    undo: ['host-restore', 'h1'],
    expect: { state: 'succeeded', host: 'h3', run: 'running' },
  },
  {
    name: 'volume server host crash during detach',
    phase: 'detach',
    fault: ['host-crash', 'h1'],
    undo: ['host-restore', 'h1'],
    expect: { state: 'succeeded', host: 'h3', run: 'running' },
  },
  {
    name: 'the volume server host is the source and crashes in pre-copy: the guest crashed with it, the destination cleans up on the new volume server',
    guest: 'g2',
    from: 'h1',
    to: 'h2',
    phase: 'precopy',
    afterMs: 2000,
    fault: ['host-crash', 'h1'],
    undo: ['host-restore', 'h1'],
    expect: {
      state: 'failed',
      host: 'h1',
      run: 'crashed',
      lines: [/g2 crashed with h1/, /h2 detached vol-sql01-sys/],
    },
  },
  // ---- a disk fails
  {
    name: 'disk failure during pre-copy: the source cannot flush, nothing is handed over',
    phase: 'precopy',
    failsIn: 'release',
    afterMs: 3000,
    fault: ['disk-fail', 'd4'],
    undo: ['disk-restore', 'd4'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /release failed: h2 could not release vol-fs01-sys \(flush \+ vdi_deactivate\): .*d4/,
      lines: [/g3 resumed on h2/],
    },
  },
  {
    name: 'disk failure after the source released: the destination cannot see the LUN, the source takes it back',
    phase: 'acquire',
    fault: ['disk-fail', 'd4'],
    undo: ['disk-restore', 'd4'],
    expect: {
      state: 'failed',
      host: 'h2',
      run: 'running',
      error: /h3 cannot see LUN 0 \(vol-fs01-sys\): disk d4/,
      lines: [/h2 took vol-fs01-sys back/],
    },
  },
];

/** Consistency whatever happened: one host, one owner per volume, rings where the guest is. */
function expectConsistent(pool: Pool, guestId: string): void {
  const vm = pool.guest(guestId);
  const tags = owners(pool, vm);
  if (vm.state === 'running') {
    expect(pool.hostDown(vm.hostId)).toBe(false);
    expect(tags.every((o) => o === vm.hostId)).toBe(true);
    expect(vm.vbds.every((v) => v.ring.hostId === vm.hostId && !v.ring.isPaused)).toBe(true);
  } else {
    expect(vm.state).toBe('crashed');
    // A crashed guest's volumes stay with its (dead) host or with nobody: never with another host.
    expect(tags.every((o) => o === null || o === vm.hostId)).toBe(true);
  }
  for (const v of vm.vbds) {
    const believers = [...pool.dom0s.values()].filter(
      (d) => !pool.hostDown(d.hostId) && d.volumeClient.owns(v.vdiId),
    );
    expect(believers.length).toBeLessThanOrEqual(1);
  }
  expect(pool.fabric.node(guestId).hostId).toBe(vm.hostId);
  expect(pool.invariants().ok, JSON.stringify(pool.invariants().checks.filter((c) => !c.ok))).toBe(true);
}

describe('a fault in each phase of a live migration', () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.expect.state}, ${c.expect.run} on ${c.expect.host}`, async () => {
      t = await openTestPool();
      const { pool } = t;
      const guest = c.guest ?? 'g3';
      const vm = pool.guest(guest);
      // An acknowledged write before the migration: it must survive whatever happens.
      const before = blockPattern(7, 2048, 8);
      expect((await guestWrite(pool, vm, 1, 2048, before)).ok).toBe(true);

      const faultErrors: unknown[] = [];
      const inject = () => {
        pool.fault(c.fault[0], c.fault[1], undefined, ADMIN).catch((e) => faultErrors.push(e));
      };
      let injectedAt = -1;
      atPhaseStart(pool, c.phase, () => {
        if (c.afterMs === undefined) {
          injectedAt = pool.clock.now();
          inject();
        } else
          pool.clock.setTimer(c.afterMs, () => {
            injectedAt = pool.clock.now();
            inject();
          });
      });
      const job = await untilDone(t, pool.migrate(guest, c.to ?? 'h3', ADMIN));
      expect(faultErrors).toEqual([]);
      expect(injectedAt).toBeGreaterThanOrEqual(0);

      expect(job.state).toBe(c.expect.state);
      if (c.expect.state === 'failed') {
        const failed = c.failsIn ?? c.phase;
        expect(job.phase).toBe(failed);
        expect(job.error?.message).toMatch(new RegExp(`^${failed} failed: `));
        if (c.expect.error) expect(job.error?.message).toMatch(c.expect.error);
        expect(job.rolledBack.length).toBeGreaterThan(0);
        expect(job.phases.map((p) => p.name)).toContain(
          c.expect.host === (c.to ?? 'h3') ? 'roll-forward' : 'rollback',
        );
      } else {
        expect(job.error).toBeNull();
      }
      for (const re of c.expect.lines ?? []) expect(job.rolledBack.join('\n')).toMatch(re);
      expect(pool.central.repos.migrations.get({ jobId: job.id })?.state).toBe(job.state);
      expect(vm.hostId).toBe(c.expect.host);
      expect(vm.state).toBe(c.expect.run);
      expectConsistent(pool, guest);
      if (vm.state === 'running') expect(await guestRead(vm, 1, 2048, 8)).toEqual(before);

      // The fault ends; the pool comes back whole, with the guest where the job said and its data.
      await pool.fault(c.undo[0], c.undo[1], undefined, ADMIN);
      await t.clock.advance(6000);
      expect(vm.state).toBe('running');
      expect(vm.hostId).toBe(c.expect.host);
      expectConsistent(pool, guest);
      expect(await guestRead(vm, 1, 2048, 8)).toEqual(before);
      // And it can migrate again.
      const again = await untilDone(t, pool.migrate(guest, c.expect.host === 'h1' ? 'h3' : 'h1', ADMIN));
      expect(again.state).toBe('succeeded');
      expectConsistent(pool, guest);
    });
  }
});
