/**
 * Snapshot schedules (`dcli schedule ...`): stored on the central server so they survive a
 * restart of the guest or of the whole lab, run here on the pool clock. Each run takes a
 * snapshot set (application-consistent on Windows, crash-consistent on Linux), prunes the
 * schedule's oldest sets beyond `keep`, and is logged on the central server (schedule_runs)
 * and as an event.
 */
import { randomBytes } from 'node:crypto';
import { asXdcError, XdcError } from '../errors';
import type { PoolClock, TimerHandle } from '../net/clock';
import type { GuestLog } from './guest-log';
import type { CentralLink } from './links';
import type { SnapshotService, SnapshotTarget } from './snapshots';
import type { ScheduleRecord, ScheduleRunRecord } from './wire';

export interface SchedulerDeps {
  guestId: string;
  os: 'windows' | 'linux';
  clock: PoolClock;
  central: CentralLink;
  snapshots: SnapshotService;
  resolveTarget: (word: string) => SnapshotTarget;
  log: GuestLog;
  event: (kind: string, subject: string | null, message: string, data?: Record<string, unknown>) => void;
  retryLoadMs?: number;
}

interface Armed {
  record: ScheduleRecord;
  timer: TimerHandle | null;
  running: Promise<void> | null;
}

export class SnapshotScheduler {
  private readonly armed = new Map<string, Armed>();
  private loadTimer: TimerHandle | null = null;
  private stopped = false;
  loaded = false;
  readonly runs: ScheduleRunRecord[] = [];

  constructor(private readonly d: SchedulerDeps) {}

  /** Loads the guest's schedules from the central server; retries on the pool clock until it answers. */
  async load(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.d.central.listSchedules(this.d.guestId);
      for (const r of list) if (!this.armed.has(r.id)) this.arm(r);
      this.loaded = true;
      if (list.length)
        this.d.log.write('scheduler', `loaded ${list.length} schedule(s) from the central server`);
    } catch (e) {
      this.d.log.write('scheduler', `could not load schedules (${asXdcError(e).message}); will retry`);
      if (!this.stopped) {
        this.loadTimer = this.d.clock.setTimer(this.d.retryLoadMs ?? 5000, () => {
          this.loadTimer = null;
          void this.load();
        });
      }
    }
  }

  list(): ScheduleRecord[] {
    return [...this.armed.values()]
      .map((a) => a.record)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async add(targetWord: string, everyMs: number, keep: number): Promise<ScheduleRecord> {
    if (!this.loaded) await this.load();
    if (!this.loaded)
      throw new XdcError(
        'ERR_NODE_UNREACHABLE',
        'schedules are kept on the central server, which cannot be reached now',
      );
    const target = this.d.resolveTarget(targetWord);
    const record: ScheduleRecord = {
      id: `sch-${randomBytes(3).toString('hex')}`,
      guestId: this.d.guestId,
      target: target.name,
      targetKind: target.kind,
      everyMs,
      keep,
      consistency: this.d.os === 'windows' ? 'application' : 'crash',
      createdAt: this.d.clock.now(),
    };
    await this.d.central.addSchedule(record);
    this.arm(record);
    this.d.event(
      'schedule.added',
      target.name,
      `schedule ${record.id}: snapshot ${target.name} every ${formatInterval(everyMs)}, keep ${keep}`,
      {
        scheduleId: record.id,
        everyMs,
        keep,
      },
    );
    return record;
  }

  async remove(id: string): Promise<ScheduleRecord> {
    const a = this.armed.get(id);
    if (!a)
      throw new XdcError(
        'ERR_NOT_FOUND',
        `no schedule ${id} in this guest${this.armed.size ? ` (have: ${[...this.armed.keys()].join(', ')})` : ''}`,
      );
    await this.d.central.removeSchedule(id);
    if (a.timer) this.d.clock.clearTimer(a.timer);
    this.armed.delete(id);
    this.d.event('schedule.removed', a.record.target, `schedule ${id} removed`, { scheduleId: id });
    return a.record;
  }

  /** After stop(): schedules are loaded afresh from the central server by the next load(). */
  resume(): void {
    this.stopped = false;
    this.loaded = false;
  }

  stop(): void {
    this.stopped = true;
    if (this.loadTimer) this.d.clock.clearTimer(this.loadTimer);
    for (const a of this.armed.values()) if (a.timer) this.d.clock.clearTimer(a.timer);
    this.armed.clear();
  }

  /** Resolves when no scheduled run is in progress (tests, lab close). */
  async idle(): Promise<void> {
    for (const a of this.armed.values()) if (a.running) await a.running;
  }

  /** This schedule's sets with their run numbers, oldest run first. */
  private async mine(scheduleId: string): Promise<Array<{ name: string; n: number }>> {
    const prefix = `${scheduleId}-r`;
    return (await this.d.snapshots.list())
      .filter((x) => x.scheduleId === scheduleId && x.name.startsWith(prefix))
      .map((x) => ({ name: x.name, n: Number(x.name.slice(prefix.length)) }))
      .filter((x) => Number.isSafeInteger(x.n))
      .sort((a, b) => a.n - b.n);
  }

  private arm(record: ScheduleRecord): void {
    const a: Armed = { record, timer: null, running: null };
    this.armed.set(record.id, a);
    const next = () => {
      if (this.stopped || this.armed.get(record.id) !== a) return;
      a.timer = this.d.clock.setTimer(record.everyMs, () => {
        a.timer = null;
        if (!a.running) {
          a.running = this.run(record).finally(() => {
            a.running = null;
          });
        } else this.d.log.write('scheduler', `${record.id}: previous run still going, this one skipped`);
        next();
      });
    };
    next();
  }

  private async run(s: ScheduleRecord): Promise<void> {
    const startedAt = this.d.clock.now();
    const run: ScheduleRunRecord = {
      scheduleId: s.id,
      startedAt,
      endedAt: startedAt,
      ok: false,
      setId: null,
      setName: null,
      pruned: [],
      error: null,
    };
    let name = `${s.id}-r?`;
    try {
      const target = this.d.resolveTarget(s.target);
      // Runs are numbered, not timed: pool time starts again at 0 when a lab is reopened, the count does not.
      const before = await this.mine(s.id);
      name = `${s.id}-r${(before.at(-1)?.n ?? 0) + 1}`;
      const created = await this.d.snapshots.create(target, {
        name,
        crashConsistent: s.consistency === 'crash',
        scheduleId: s.id,
      });
      run.setId = created.record.setId;
      run.setName = name;
      const all = await this.mine(s.id);
      for (const old of all.slice(0, Math.max(0, all.length - s.keep))) {
        await this.d.snapshots.delete(old.name);
        run.pruned.push(old.name);
      }
      run.ok = true;
    } catch (e) {
      run.error = asXdcError(e).toString();
    }
    run.endedAt = this.d.clock.now();
    this.runs.push(run);
    if (this.runs.length > 200) this.runs.shift();
    const msg = run.ok
      ? `schedule ${s.id} took ${name}${run.pruned.length ? `, pruned ${run.pruned.join(', ')}` : ''}`
      : `schedule ${s.id} run failed: ${run.error}`;
    this.d.log.write('scheduler', msg);
    this.d.event('schedule.run', s.target, msg, {
      scheduleId: s.id,
      ok: run.ok,
      setName: run.setName,
      pruned: run.pruned,
      error: run.error,
    });
    try {
      await this.d.central.recordRun(run);
    } catch (e) {
      this.d.log.write(
        'scheduler',
        `could not record the run of ${s.id} on the central server (${asXdcError(e).message})`,
      );
    }
  }
}

/** 30s, 15m, 2h, 1d -> ms; null when the text is not an interval. */
export function parseInterval(text: string): number | null {
  const m = /^(\d{1,6})(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  const ms = n * unit;
  return ms > 0 ? ms : null;
}

export function formatInterval(ms: number): string {
  for (const [u, v] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % v === 0) return `${ms / v}${u}`;
  }
  return `${ms}ms`;
}
