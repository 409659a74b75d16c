/**
 * migrate.orchestrator.per_s: live migrations per wall second that the orchestrator completes
 * on the virtual clock when every guest of a 16x16 pool (8x8 with --quick) migrates to the next
 * host at once — every phase, the memory stream's acknowledgements over xprtld, the storage
 * handoff through xprtld, the history rows and events in the central database. Baseline, in the
 * same run on the same pool: the same number of bare handoffs of each guest's block rings and
 * volumes (rings paused and drained, vdi_deactivate + vdi_attach + vdi_activate called on the
 * volume server in-process, rings reconnected) — the storage work a migration cannot avoid,
 * without the orchestration, the network or the bookkeeping. The ratio is the price of those.
 *
 * migrate.handoff: wall ms of one storage handoff as a migration does it (the source's volume
 * client releases — flush + vdi_deactivate — and the destination's acquires — vdi_attach +
 * vdi_activate — each call a real HTTP request through xprtld with a VRTSat token) against the
 * bare ownership flip (vdi_deactivate + vdi_activate on the volume server, in-process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleLabSpec } from '../src-main/pool/demo';
import { handOff } from '../src-main/pool/migrate/handoff';
import { VirtualClock } from '../src-main/pool/net/clock';
import { Pool } from '../src-main/pool/pool';
import { type BenchOptions, compareOps, report } from './lib';

/** Cheap scrypt: the benchmark measures migration, not password hashing. */
const AUTH = { scrypt: { N: 1024, r: 8, p: 1 } };

async function openPool(
  hosts: number,
  perHost: number,
): Promise<{ pool: Pool; clock: VirtualClock; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xdc-bench-migrate-'));
  const clock = new VirtualClock();
  const pool = await Pool.open({ labDir: dir, clock, spec: scaleLabSpec(hosts, perHost), auth: AUTH });
  clock.quiesce = () => pool.fabric.quiesce();
  await clock.advance(0);
  return { pool, clock, dir };
}

async function closePool(p: { pool: Pool; dir: string }): Promise<void> {
  await p.pool.close();
  rmSync(p.dir, { recursive: true, force: true });
}

const nextHost = (pool: Pool, hostId: string) => {
  const ids = pool.spec.hosts.map((h) => h.id);
  return ids[(ids.indexOf(hostId) + 1) % ids.length]!;
};

async function orchestratorThroughput(quick: boolean): Promise<void> {
  const [hosts, perHost] = quick ? [8, 8] : [16, 16];
  const p = await openPool(hosts, perHost);
  const { pool, clock } = p;
  try {
    const guests = [...pool.guests.values()];
    const t0 = performance.now();
    const jobs = guests.map((g) =>
      pool.migrate(g.id, nextHost(pool, g.hostId), { principal: 'user:bench', role: 'admin' }),
    );
    const done = await clock.run(Promise.all(jobs.map((j) => pool.migrations.whenDone(j.id))));
    const subjectS = (performance.now() - t0) / 1000;
    const failed = done.filter((j) => j.state !== 'succeeded');
    if (failed.length)
      throw new Error(`${failed.length} migrations failed, e.g. ${failed[0]!.error?.message}`);
    if (!pool.invariants().ok) throw new Error('invariants broken after the migrations');

    // Baseline: the same guests handed on once more, bare.
    const vs = pool.role.server;
    const t1 = performance.now();
    await Promise.all(
      guests.map(async (g) => {
        const from = g.hostId;
        const to = pool.dom0(nextHost(pool, from));
        for (const v of g.vbds) v.ring.pause();
        await Promise.all(g.vbds.map((v) => v.ring.drain()));
        for (const v of g.vbds) {
          await vs.vdiDeactivate(v.vdiId, from);
          await vs.vdiAttach(v.vdiId, to.hostId);
          await vs.vdiActivate(v.vdiId, to.hostId);
          v.ring.reconnect(to.volumeClient);
        }
      }),
    );
    const baselineS = (performance.now() - t1) / 1000;
    const n = guests.length;
    const meanDowntime = done.reduce((s, j) => s + (j.downtimeMs ?? 0), 0) / n;
    report({
      name: 'migrate.orchestrator.per_s',
      value: n / subjectS,
      unit: 'migrations/s',
      baseline: n / baselineS,
      baselineUnit: 'bare-handoffs/s',
      goal: `${n} guests of a ${hosts}x${perHost} pool all migrating at once; mean downtime ${meanDowntime.toFixed(1)} pool ms`,
    });
  } finally {
    await closePool(p);
  }
}

async function handoffLatency(quick: boolean): Promise<void> {
  const p = await openPool(2, 1);
  const { pool } = p;
  try {
    const [h1, h2] = [pool.dom0('h1'), pool.dom0('h2')];
    // The guests' rings are held so nothing else touches the volumes while they change hands.
    for (const g of pool.guests.values()) for (const v of g.vbds) v.ring.pause();
    const vs = pool.role.server;
    let viaXprtldAt = 'h1';
    const viaXprtld = async () => {
      const [src, dst] = viaXprtldAt === 'h1' ? [h1, h2] : [h2, h1];
      await handOff(src.volumeClient, dst.volumeClient, 'vol-g1');
      viaXprtldAt = dst.hostId;
    };
    await vs.vdiAttach('vol-g2', 'h1');
    let bareAt = 'h2';
    const bare = async () => {
      const to = bareAt === 'h1' ? 'h2' : 'h1';
      await vs.vdiDeactivate('vol-g2', bareAt);
      await vs.vdiActivate('vol-g2', to);
      bareAt = to;
    };
    const r = await compareOps(
      viaXprtld,
      bare,
      quick ? { rounds: 3, msPerRound: 300 } : { rounds: 5, msPerRound: 1000 },
    );
    if (pool.ownerOf('vol-g1') !== viaXprtldAt || pool.ownerOf('vol-g2') !== bareAt)
      throw new Error('a handoff did not land');
    report({
      name: 'migrate.handoff',
      value: 1000 / r.subject,
      unit: 'ms',
      baseline: 1000 / r.baseline,
      baselineUnit: 'ms',
      goal: 'release + acquire: flush and 3 SM calls over xprtld, vs vdi_deactivate + vdi_activate in-process',
    });
  } finally {
    await closePool(p);
  }
}

export default async function migrateBench(opts: BenchOptions): Promise<void> {
  await orchestratorThroughput(opts.quick);
  await handoffLatency(opts.quick);
}
