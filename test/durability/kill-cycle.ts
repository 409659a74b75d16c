/**
 * The crash-restart loop shared by the CI test and `scripts/kill-test.ts`: start the headless
 * lab, run the workload, SIGKILL it at a random moment, check the folder (in this process, with
 * Pool.open, while the child is dead: snapshot content), restart it, check everything through
 * the API (invariants, every acknowledged write, snapshot lists, schedules), and again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patternBytes } from '../../src-main/pool/guest/io-pattern';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';
import { HeadlessChild } from './headless-child';
import { DurabilityModel, rng, SLOT_BYTES, type WorkloadStats } from './workload';

export interface KillTestOptions {
  kills: number;
  seed?: number;
  /** Wall ms of workload before a kill: uniform in [min, max]. */
  minRunMs?: number;
  maxRunMs?: number;
  workers?: number;
  log?: (line: string) => void;
}

export interface KillTestResult {
  kills: number;
  writesVerified: number;
  snapshotSlotsVerified: number;
  ambiguousSlots: number;
  stats: WorkloadStats;
  problems: string[];
  wallMs: number;
}

export async function runKillTest(o: KillTestOptions): Promise<KillTestResult> {
  const t0 = performance.now();
  const r = rng(o.seed ?? 1);
  const log = o.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), 'xdc-kill-'));
  const labDir = join(root, 'lab');
  const home = join(root, 'home');
  const problems: string[] = [];
  let writesVerified = 0;
  let snapshotSlotsVerified = 0;
  let ambiguousSlots = 0;
  let child: HeadlessChild | null = null;
  let model: DurabilityModel | null = null;
  let kills = 0;
  try {
    for (let cycle = 0; cycle <= o.kills; cycle++) {
      child = await HeadlessChild.start(labDir, { home });
      const view = await child.call('GET', '/api/v1/pool');
      if (view.status !== 200) throw new Error(`GET /api/v1/pool -> ${view.status}`);
      model ??= DurabilityModel.fromPoolView(view.body);
      if (cycle > 0) {
        const v = await verifyThroughApi(child, model, view.body);
        writesVerified += v.writes;
        ambiguousSlots += v.ambiguous;
        problems.push(...v.problems.map((p) => `after kill ${cycle}: ${p}`));
        if (v.problems.length) log(`kill ${cycle}: ${v.problems.join('; ')}`);
      }
      if (cycle === o.kills) {
        await child.stop();
        break;
      }
      // Pool time runs fast so 30 s schedules fire during the short run.
      await child.call('POST', '/api/v1/clock', { speed: 30 });
      const runMs = (o.minRunMs ?? 300) + r() * ((o.maxRunMs ?? 2500) - (o.minRunMs ?? 300));
      await runUntilKilled(child, model, r, runMs, o.workers ?? 3, cycle);
      kills++;
      child = null;
      // Every other kill the lab is checked in this process first; the others restart straight
      // from the crashed folder (both go through the same recovery in Pool.open).
      if (cycle % 2 === 1) {
        const s = await verifySnapshotContent(labDir, model);
        snapshotSlotsVerified += s.slots;
        problems.push(...s.problems.map((p) => `after kill ${cycle + 1} (in-process): ${p}`));
      }
      log(`kill ${kills}/${o.kills} after ${Math.round(runMs)} ms: ${JSON.stringify(model.stats)}`);
    }
    if (model) {
      const s = await verifySnapshotContent(labDir, model);
      snapshotSlotsVerified += s.slots;
      problems.push(...s.problems.map((p) => `at the end (in-process): ${p}`));
    }
  } finally {
    if (child) await child.kill();
    rmSync(root, { recursive: true, force: true });
  }
  return {
    kills,
    writesVerified,
    snapshotSlotsVerified,
    ambiguousSlots,
    stats: model?.stats ?? ({} as WorkloadStats),
    problems,
    wallMs: performance.now() - t0,
  };
}

async function runUntilKilled(
  child: HeadlessChild,
  model: DurabilityModel,
  r: () => number,
  runMs: number,
  workers: number,
  cycle: number,
): Promise<void> {
  let stop = false;
  let seq = cycle * 100_000;
  const worker = async () => {
    while (!stop) {
      try {
        await model.step(child, r, seq++);
      } catch {
        // The kill cut the request (or the op failed): the model already holds both outcomes.
        if (!stop) model.stats.opsFailed++;
      }
    }
  };
  const running = Array.from({ length: workers }, () => worker());
  await new Promise((res) => setTimeout(res, runMs));
  await child.kill();
  stop = true;
  await Promise.all(running);
}

interface ApiCheck {
  writes: number;
  ambiguous: number;
  problems: string[];
}

async function verifyThroughApi(
  child: HeadlessChild,
  model: DurabilityModel,
  poolView: unknown,
): Promise<ApiCheck> {
  const problems: string[] = [];
  let writes = 0;
  let ambiguous = 0;
  const inv = await child.call('GET', '/api/v1/invariants');
  const report = inv.body as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
  if (inv.status !== 200) problems.push(`GET /api/v1/invariants -> ${inv.status}`);
  else for (const c of report.checks) if (!c.ok) problems.push(`invariant ${c.name} broken: ${c.detail}`);

  for (const l of model.luns) {
    for (const [slot, cands] of model.writtenSlots(l)) {
      const found: number[] = [];
      for (const seed of cands) {
        if (seed === 0) continue;
        const res = await child.dcli(
          l.guestId,
          `dcli io verify ${l.lun} --offset ${slot * SLOT_BYTES} --length ${SLOT_BYTES} --seed ${seed}`,
        );
        if (res.exitCode === 0) {
          found.push(seed);
          break;
        }
      }
      if (found.length === 1) {
        if (cands.length === 1) writes++;
        else ambiguous++;
        model.settle(l, slot, found[0]!);
      } else if (cands.includes(0)) {
        // Never acknowledged, and the one unacknowledged write did not land whole: nothing was promised.
        ambiguous++;
      } else {
        problems.push(
          `${l.guestId} lun${l.lun} slot ${slot}: holds none of the seeds ${cands.join('/')} (acknowledged write lost)`,
        );
      }
    }
  }

  // Snapshot lists: what the guest's DCLI says (the central database) vs the pool view (the volume server).
  const v = poolView as {
    volumes: Array<{
      id: string;
      guestId: string | null;
      snapshots: Array<{ id: string; setId: string | null }>;
    }>;
  };
  const poolSnaps = new Map<string, Set<string>>();
  const poolSetsByGuest = new Map<string, Set<string>>();
  for (const vol of v.volumes) {
    poolSnaps.set(vol.id, new Set(vol.snapshots.map((s) => s.id)));
    if (!vol.guestId) continue;
    const sets = poolSetsByGuest.get(vol.guestId) ?? new Set<string>();
    for (const s of vol.snapshots) if (s.setId) sets.add(s.setId);
    poolSetsByGuest.set(vol.guestId, sets);
  }
  const guests = [...new Set(model.luns.map((l) => l.guestId))];
  for (const g of guests) {
    const res = await child.dcli(g, 'dcli snapshot list --json');
    if (res.exitCode !== 0) {
      problems.push(`${g}: dcli snapshot list failed: ${res.output}`);
      continue;
    }
    const sets = JSON.parse(res.output) as Array<{
      setId: string;
      name: string;
      members: Array<{ vdiId: string; snapshotId: string }>;
    }>;
    const names = new Set(sets.map((s) => s.name));
    for (const s of sets) {
      for (const m of s.members) {
        if (!poolSnaps.get(m.vdiId)?.has(m.snapshotId))
          problems.push(
            `${g}: set ${s.name} lists ${m.snapshotId} of ${m.vdiId}, which the pool does not have`,
          );
      }
    }
    const dcliSetIds = new Set(sets.map((s) => s.setId));
    for (const setId of poolSetsByGuest.get(g) ?? []) {
      if (!dcliSetIds.has(setId))
        problems.push(`${g}: the pool holds snapshot set ${setId}, which the guest's list does not show`);
    }
    for (const e of model.snapshots.filter((x) => x.guestId === g)) {
      if (!names.has(e.setName))
        problems.push(`${g}: acknowledged snapshot set ${e.setName} is gone from the list`);
    }
    const want = model.schedules.get(g);
    if (want?.size) {
      const sr = await child.dcli(g, 'dcli schedule list --json');
      const have = new Set((JSON.parse(sr.output) as Array<{ id: string }>).map((s) => s.id));
      for (const id of want) if (!have.has(id)) problems.push(`${g}: acknowledged schedule ${id} is gone`);
    }
  }
  return { writes, ambiguous, problems };
}

/** The child is dead: open the folder here and read each acknowledged snapshot's bytes. */
async function verifySnapshotContent(
  labDir: string,
  model: DurabilityModel,
): Promise<{ slots: number; problems: string[] }> {
  const clock = new VirtualClock();
  const pool = await Pool.open({ labDir, clock });
  const problems: string[] = [];
  let slots = 0;
  try {
    for (const e of model.snapshots) {
      for (const [slot, seed] of e.slots) {
        // Snapshots are read-only and need no owner: any host's read path reads them.
        const data = pool.role.dataPath.read(
          e.snapshotId,
          pool.spec.hosts[0]!.id,
          slot * SLOT_BYTES,
          SLOT_BYTES,
        );
        slots++;
        if (!data.equals(patternBytes(seed, slot * SLOT_BYTES, SLOT_BYTES))) {
          problems.push(
            `snapshot ${e.setName} (${e.snapshotId}) of ${e.guestId} lun${e.lun}: slot ${slot} no longer holds seed ${seed}`,
          );
        }
      }
    }
    const report = pool.invariants();
    for (const c of report.checks) if (!c.ok) problems.push(`invariant ${c.name} broken: ${c.detail}`);
  } finally {
    await pool.close();
  }
  return { slots, problems };
}
