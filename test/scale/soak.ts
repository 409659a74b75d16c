/**
 * A soak run: a mid-size pool on a VirtualClock lives through `hours` of pool time in
 * `stepMs` steps, with snapshot schedules on every guest, random migrations (refusals counted),
 * host crashes and restores and network partitions and heals. After every step the invariants
 * must hold; heap use is sampled so memory growth after warm-up can be judged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { scaleLabSpec } from '../../src-main/pool/demo';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';
import { rng } from '../durability/workload';
import { ADMIN, TEST_AUTH } from '../support/pool-fixture';

export interface SoakResult {
  steps: number;
  poolHours: number;
  invariantFailures: string[];
  migrationsStarted: number;
  migrationsRefused: number;
  faults: number;
  scheduledSnapshots: number;
  /** MiB of heap after each step (after a GC when --expose-gc is on). */
  heapMiB: number[];
  /** Median heap of the last quarter over the median of the second quarter (after warm-up). */
  heapGrowth: number;
}

export async function runSoak(o: {
  hosts: number;
  guestsPerHost: number;
  hours: number;
  stepMs?: number;
  seed?: number;
  log?: (l: string) => void;
}): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'xdc-soak-'));
  const clock = new VirtualClock();
  const r = rng(o.seed ?? 3);
  const pool = await Pool.open({
    labDir: dir,
    clock,
    spec: scaleLabSpec(o.hosts, o.guestsPerHost),
    auth: TEST_AUTH,
  });
  clock.quiesce = () => pool.fabric.quiesce();
  const stepMs = o.stepMs ?? 60_000;
  const res: SoakResult = {
    steps: 0,
    poolHours: o.hours,
    invariantFailures: [],
    migrationsStarted: 0,
    migrationsRefused: 0,
    faults: 0,
    scheduledSnapshots: 0,
    heapMiB: [],
    heapGrowth: 1,
  };
  const gc = exactGc();
  try {
    await clock.advance(0);
    const guests = [...pool.guests.keys()];
    const hosts = pool.spec.hosts.map((h) => h.id);
    for (const g of guests) {
      const s = await pool.dcli(g, 'dcli schedule add lun0 --every 5m --keep 3', ADMIN);
      if (s.exitCode !== 0) throw new Error(`schedule on ${g}: ${s.output}`);
    }
    const down = new Set<string>();
    const cut = new Set<string>();
    const steps = Math.round((o.hours * 3600_000) / stepMs);
    for (let i = 0; i < steps; i++) {
      const x = r();
      try {
        if (x < 0.3) {
          const g = guests[Math.floor(r() * guests.length)]!;
          const to = hosts[Math.floor(r() * hosts.length)]!;
          pool.migrate(g, to, ADMIN);
          res.migrationsStarted++;
        } else if (x < 0.4) {
          const h = hosts[1 + Math.floor(r() * (hosts.length - 1))]!;
          await pool.fault(down.has(h) ? 'host-restore' : 'host-crash', h, undefined, ADMIN);
          if (down.has(h)) down.delete(h);
          else down.add(h);
          res.faults++;
        } else if (x < 0.5) {
          const g = guests[Math.floor(r() * guests.length)]!;
          await pool.fault(cut.has(g) ? 'heal' : 'partition', g, undefined, ADMIN);
          if (cut.has(g)) cut.delete(g);
          else cut.add(g);
          res.faults++;
        }
      } catch {
        if (x < 0.3) res.migrationsRefused++;
      }
      await clock.advance(stepMs);
      res.steps++;
      const inv = pool.invariants();
      if (!inv.ok)
        res.invariantFailures.push(
          `step ${i}: ${inv.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.name}: ${c.detail}`)
            .join('; ')}`,
        );
      gc?.();
      res.heapMiB.push(process.memoryUsage().heapUsed / 1048576);
      if (o.log && i % 60 === 0)
        o.log(
          `soak: ${((i * stepMs) / 3600_000).toFixed(1)} h, heap ${res.heapMiB.at(-1)!.toFixed(1)} MiB, ${res.invariantFailures.length} invariant failures`,
        );
    }
    res.scheduledSnapshots = pool.events(0, 1_000_000, 'schedule.run').length;
    const q = Math.floor(res.heapMiB.length / 4);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    if (q > 0) res.heapGrowth = med(res.heapMiB.slice(-q)) / med(res.heapMiB.slice(q, 2 * q));
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

/** A real GC between samples so heap figures are comparable (works without --expose-gc). */
function exactGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
