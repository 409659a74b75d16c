import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationJob } from '../../../src-main/api/contract';
import { demoLabSpec } from '../../../src-main/pool/demo';
import { PHASES } from '../../../src-main/pool/migrate/job';
import { ADMIN, openTestPool, type TestPool } from '../../support/pool-fixture';
import { jobEvents, owners, untilDone } from './helpers';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('live migration of a running guest', () => {
  it('moves g3 from h2 to h3 through every phase on the pool clock, with tens of ms of downtime', async () => {
    t = await openTestPool();
    const { pool } = t;
    const started = pool.migrate('g3', 'h3', ADMIN);
    expect(MigrationJob.parse(started)).toEqual(started);
    expect(started).toMatchObject({
      guestId: 'g3',
      from: 'h2',
      to: 'h3',
      state: 'running',
      kind: 'migration',
    });
    expect(pool.view().guests.find((g) => g.id === 'g3')!.migration).toMatchObject({
      jobId: started.id,
      to: 'h3',
    });

    const job = await untilDone(t, started);
    expect(Object.keys(job).sort()).toEqual(Object.keys(MigrationJob.shape).sort());
    expect(job.state).toBe('succeeded');
    expect(job.progress).toBe(1);
    expect(job.phases.map((p) => p.name)).toEqual([...PHASES]);
    for (const p of job.phases) expect(p.endedAt).not.toBeNull();
    // Phases follow each other on the pool clock; pre-copy is where the time goes.
    for (let i = 1; i < job.phases.length; i++)
      expect(job.phases[i]!.startedAt).toBe(job.phases[i - 1]!.endedAt);
    const pre = job.phases.find((p) => p.name === 'precopy')!;
    // 1 GiB over a 1 Gbit/s link: round 1 alone is ~8.6 s.
    expect(pre.endedAt! - pre.startedAt).toBeGreaterThan(8500);
    expect(job.rounds).toBeGreaterThanOrEqual(2);
    expect(job.bytesSent).toBeGreaterThan(1024 ** 3);
    expect(job.model).toMatch(/converged/);
    expect(job.downtimeMs).toBeGreaterThanOrEqual(10);
    expect(job.downtimeMs).toBeLessThan(300);
    const phase = (n: string) => job.phases.find((p) => p.name === n)!;
    expect(job.downtimeMs).toBeCloseTo(phase('resume').endedAt! - phase('stop-and-copy').startedAt, 3);
    expect(job.totalMs).toBeCloseTo(phase('report').endedAt! - job.startedAt, 3);
    expect(job.error).toBeNull();
    expect(job.rolledBack).toEqual([]);

    // The guest is on h3: placement, block rings, volume ownership, fabric node, lab.json.
    const vm = pool.guest('g3');
    expect(vm.hostId).toBe('h3');
    expect(vm.state).toBe('running');
    expect(vm.vbds.map((v) => v.ring.hostId)).toEqual(['h3', 'h3']);
    expect(owners(pool, vm)).toEqual(['h3', 'h3']);
    expect(pool.dom0('h2').volumeClient.ownedVolumes()).not.toContain('vol-fs01-sys');
    expect(pool.fabric.node('g3').hostId).toBe('h3');
    const lab = JSON.parse(readFileSync(join(t.dir, 'lab.json'), 'utf8')) as {
      guests: Array<{ id: string; hostId: string }>;
    };
    expect(lab.guests.find((g) => g.id === 'g3')!.hostId).toBe('h3');
    // The source detached (vdi_detach); only h3 has the VDIs attached now.
    expect(pool.role.server.getVolume('vol-fs01-data').attachedHosts).toEqual(['h3']);
    expect(pool.view().guests.find((g) => g.id === 'g3')!.migration).toBeNull();
    expect(pool.invariants().ok).toBe(true);

    // The guest still answers DCLI, now through h3.
    const r = await pool.dcli('g3', 'dcli lun list', ADMIN);
    expect(r.exitCode).toBe(0);
  });

  it('records every phase as an event carrying the job id, and the history row in the central database', async () => {
    t = await openTestPool();
    const { pool } = t;
    const job = await untilDone(t, pool.migrate('g4', 'h1', ADMIN));
    const events = jobEvents(pool, job.id);
    expect(events[0]!.kind).toBe('migration.started');
    expect(events[events.length - 1]!.kind).toBe('migration.succeeded');
    for (const p of PHASES.slice(1)) {
      const ended = events.find(
        (e) => e.kind === 'migration.phase' && e.data?.phase === p && e.data?.state === 'ended',
      );
      expect(ended, p).toBeDefined();
      expect(typeof ended!.data!.ms).toBe('number');
    }
    expect(events.filter((e) => e.kind === 'migration.round')).toHaveLength(job.rounds);
    // The guest's own XDC Reporter told the central server where it runs now.
    const reported = pool.events(0, 10_000, 'guest.migrated').find((e) => e.data?.jobId === job.id);
    expect(reported?.source).toBe('g4');
    expect(reported?.message).toMatch(/now runs on h1/);

    const row = pool.central.repos.migrations.get({ jobId: job.id })!;
    expect(row).toMatchObject({
      guestId: 'g4',
      fromHost: 'h2',
      toHost: 'h1',
      state: 'succeeded',
      phase: 'done',
      rounds: job.rounds,
    });
    expect(row.downtimeMs).toBe(job.downtimeMs);
    expect(row.endedAt).toBeGreaterThan(row.startedAt);
    expect((row.phases as unknown[]).length).toBe(PHASES.length);
    expect(pool.job(job.id)).toEqual(job);
    expect(pool.jobs().map((j) => j.id)).toContain(job.id);
  });

  it('a guest that dirties memory nearly as fast as the link sees more rounds and a longer downtime; one faster than the link stops at 3x its memory, and the model says why', async () => {
    const spec = demoLabSpec();
    spec.guests.find((g) => g.id === 'g4')!.dirtyMBps = 100; // 80% of a 1 Gbit/s link
    spec.guests.find((g) => g.id === 'g5')!.dirtyMBps = 200; // 160%: faster than the link
    spec.guests.find((g) => g.id === 'g5')!.memoryMiB = 1024;
    t = await openTestPool({ spec });
    const calm = await untilDone(t, t.pool.migrate('g3', 'h1', ADMIN));
    const busy = await untilDone(t, t.pool.migrate('g4', 'h1', ADMIN));
    const overrun = await untilDone(t, t.pool.migrate('g5', 'h1', ADMIN));
    for (const j of [calm, busy, overrun]) expect(j.state).toBe('succeeded');
    expect(busy.rounds).toBeGreaterThan(calm.rounds);
    expect(busy.downtimeMs!).toBeGreaterThan(10 * calm.downtimeMs!);
    expect(overrun.model).toMatch(/3x the guest's memory/);
    expect(overrun.model).toMatch(/160% of the link/);
    expect(overrun.bytesSent).toBeGreaterThanOrEqual(3 * 1024 ** 3);
    // The whole memory is left for stop-and-copy: ~8.6 s at 125 MB/s.
    expect(overrun.downtimeMs!).toBeGreaterThan(8000);
    expect(overrun.downtimeMs!).toBeGreaterThan(busy.downtimeMs!);
    expect(t.pool.invariants().ok).toBe(true);
  });

  it('runs several migrations of different guests at once, each to its own end', async () => {
    t = await openTestPool();
    const { pool } = t;
    const jobs = [
      pool.migrate('g3', 'h1', ADMIN),
      pool.migrate('g4', 'h3', ADMIN),
      pool.migrate('g5', 'h2', ADMIN),
    ];
    expect(
      pool
        .view()
        .guests.filter((g) => g.migration !== null)
        .map((g) => g.id)
        .sort(),
    ).toEqual(['g3', 'g4', 'g5']);
    const done = await t.clock.run(Promise.all(jobs.map((j) => pool.migrations.whenDone(j.id))));
    expect(done.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(['g3', 'g4', 'g5'].map((g) => pool.guest(g).hostId)).toEqual(['h1', 'h3', 'h2']);
    // They overlapped in pool time.
    expect(done[1]!.startedAt).toBeLessThan(done[0]!.startedAt + done[0]!.totalMs!);
    expect(pool.invariants().ok).toBe(true);
    // And back again: a migrated guest migrates like any other.
    const back = await untilDone(t, pool.migrate('g3', 'h2', ADMIN));
    expect(back.state).toBe('succeeded');
    expect(pool.guest('g3').hostId).toBe('h2');
    expect(pool.invariants().ok).toBe(true);
  });

  it('moves progress from 0 to 1 through the phases, pre-copy by bytes sent', async () => {
    t = await openTestPool();
    const { pool } = t;
    const job = pool.migrate('g3', 'h3', ADMIN);
    const seen: Array<{ phase: string; progress: number; bytes: number }> = [];
    const done = pool.migrations.whenDone(job.id);
    let finished = false;
    done.then(() => {
      finished = true;
    });
    while (!finished) {
      await t.clock.advance(500);
      const j = pool.job(job.id);
      seen.push({ phase: j.phase, progress: j.progress, bytes: j.bytesSent });
    }
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
    const pre = seen.filter((s) => s.phase === 'precopy');
    expect(pre.length).toBeGreaterThan(10);
    // Half way through round 1 about half of the memory is out, and the bar says so.
    const mid = pre[Math.floor(pre.length / 2)]!;
    expect(mid.bytes).toBeGreaterThan(0.3 * 1024 ** 3);
    expect(mid.progress).toBeGreaterThan(0.2);
    expect(mid.progress).toBeLessThan(0.65);
    expect(seen[seen.length - 1]!.progress).toBe(1);
  });
});
