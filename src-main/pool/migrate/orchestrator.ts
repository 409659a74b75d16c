/**
 * The migration orchestrator: what the pool's one API calls to check, start and follow live
 * migrations. It owns the running jobs (several guests may migrate at once, one job per guest),
 * the memory-stream receivers on every Dom0, the history in the central database, and closing
 * jobs that a lab restart cut off.
 */
import { setMaxListeners } from 'node:events';
import type { MigrationJob } from '../../api/contract';
import { XdcError } from '../errors';
import type { Pool } from '../pool';
import { asCheckResult, type CheckResult, migrationRefusal } from './checks';
import { MigrationHistory } from './history';
import { MigrationRecord } from './job';
import type { MigrationBadgeView, MigrationPort } from './port';
import { planPrecopy } from './precopy';
import { DEFAULT_TIMING, MigrationRun, type MigrationTiming } from './run';
import { MemoryReceiver } from './stream';

const MiB = 1024 * 1024;
/** How many finished jobs `jobs()` lists (the database keeps them all). */
const RECENT_JOBS = 200;

export interface OrchestratorOptions {
  timing?: Partial<MigrationTiming>;
}

export class MigrationOrchestrator implements MigrationPort {
  private readonly history: MigrationHistory;
  private readonly receiver = new MemoryReceiver();
  private readonly running = new Map<string, MigrationRun>();
  private readonly closing = new AbortController();
  private readonly timing: MigrationTiming;
  private nextId: number;

  constructor(
    private readonly pool: Pool,
    o: OrchestratorOptions = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    // Every running job (and each of its waits) listens for the lab closing: many at once is normal.
    setMaxListeners(0, this.closing.signal);
    this.history = new MigrationHistory(pool);
    this.history.closeInterrupted(pool.clock.now());
    this.nextId = this.history.count() + 1;
    for (const d of pool.dom0s.values()) this.receiver.mount(d);
  }

  check(guestId: string, to: string): CheckResult {
    return asCheckResult(this.refusal(guestId, to));
  }

  start(guestId: string, to: string, requestedBy: string): MigrationJob {
    if (this.closing.signal.aborted) throw new XdcError('ERR_CONFLICT', 'the lab is closing');
    const refusal = this.refusal(guestId, to);
    if (refusal) throw refusal;
    const vm = this.pool.guest(guestId);
    const plan = planPrecopy({
      memoryBytes: vm.spec.memoryMiB * MiB,
      dirtyBytesPerSec: vm.spec.dirtyMBps * 1e6,
      linkBytesPerSec: (this.pool.spec.linkMbps * 1e6) / 8,
    });
    const now = this.pool.clock.now();
    const rec = new MigrationRecord({
      id: this.freshId(),
      guestId,
      from: vm.hostId,
      to,
      startedAt: now,
      model: plan.explanation,
    });
    rec.begin('checks', now);
    rec.end(
      now,
      `${to} is up and reachable from ${rec.from}, sees the disk group of every LUN, has room for ${vm.spec.memoryMiB} MiB; volume server on ${this.pool.role.hostId}`,
    );
    this.history.started(rec, {
      kind: 'migration.started',
      message: `${requestedBy} started live migration ${rec.id}: ${guestId} from ${rec.from} to ${to} (${vm.spec.memoryMiB} MiB, dirty rate ${vm.spec.dirtyMBps} MB/s, link ${this.pool.spec.linkMbps} Mbit/s)`,
      data: { phase: 'checks', state: 'started', requestedBy, from: rec.from, to },
    });
    const run = new MigrationRun(
      {
        pool: this.pool,
        history: this.history,
        receiver: this.receiver,
        closing: this.closing.signal,
        timing: this.timing,
      },
      rec,
      vm,
      plan,
    );
    this.running.set(rec.id, run);
    run
      .start()
      .finally(() => this.running.delete(rec.id))
      .catch(() => undefined);
    return rec.view();
  }

  job(jobId: string): MigrationJob {
    const live = this.running.get(jobId);
    if (live) return live.rec.view();
    const past = this.history.get(jobId);
    if (!past) throw new XdcError('ERR_NOT_FOUND', `no migration job ${jobId}`);
    return past;
  }

  jobs(): MigrationJob[] {
    const live = [...this.running.values()].map((r) => r.rec.view());
    const ids = new Set(live.map((j) => j.id));
    const past = this.history.recent(RECENT_JOBS).filter((j) => !ids.has(j.id));
    return [...live, ...past].sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
  }

  badge(guestId: string): MigrationBadgeView | null {
    for (const r of this.running.values()) {
      if (r.rec.guestId !== guestId || r.rec.state !== 'running') continue;
      return {
        jobId: r.rec.id,
        to: r.rec.to,
        phase: r.rec.phase,
        progress: Math.min(1, Math.max(0, r.rec.progress)),
      };
    }
    return null;
  }

  /** Resolves with the job once it has ended (tests and the headless command wait on it). */
  async whenDone(jobId: string): Promise<MigrationJob> {
    const live = this.running.get(jobId);
    if (live) await live.done;
    return this.job(jobId);
  }

  onHostDown(hostId: string): void {
    for (const r of this.running.values()) r.hostDown(hostId);
  }

  close(): void {
    if (!this.closing.signal.aborted) this.closing.abort(new XdcError('ERR_INTERRUPTED', 'the lab closed'));
    this.running.clear();
  }

  private refusal(guestId: string, to: string): XdcError | null {
    return migrationRefusal(
      {
        pool: this.pool,
        runningJobOf: (g) => {
          for (const r of this.running.values())
            if (r.rec.guestId === g) return { id: r.rec.id, to: r.rec.to, phase: r.rec.phase };
          return null;
        },
        incomingMiB: (h) => {
          let n = 0;
          // Until the commit point the guest still counts on its source; after it, on the destination.
          for (const r of this.running.values())
            if (r.rec.to === h && !r.isCommitted) n += this.pool.guest(r.rec.guestId).spec.memoryMiB;
          return n;
        },
      },
      guestId,
      to,
    );
  }

  private freshId(): string {
    for (;;) {
      const id = `mig-${String(this.nextId++).padStart(4, '0')}`;
      if (!this.running.has(id) && !this.history.has(id)) return id;
    }
  }
}
