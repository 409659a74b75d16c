/**
 * One live migration job as the orchestrator keeps it while it runs: its phases with their pool
 * times, progress, the pre-copy figures, downtime, and how it ended (error, what was rolled back).
 * It turns itself into the API's MigrationJob view and into the central database's row.
 */
import type { MigrationJob, PhaseRecord } from '../../api/contract';
import type { MigrationRow } from '../central/repos';

/** The phases a user watches, in order (DOMAIN.md "Live migration"). */
export const PHASES = [
  'checks',
  'attach',
  'precopy',
  'stop-and-copy',
  'release',
  'acquire',
  'resume',
  'detach',
  'report',
] as const;
export type PhaseName = (typeof PHASES)[number];

/** Share of the progress bar each phase moves through; pre-copy moves by bytes sent. */
const WEIGHT: Record<PhaseName, number> = {
  checks: 0.02,
  attach: 0.03,
  precopy: 0.6,
  'stop-and-copy': 0.1,
  release: 0.05,
  acquire: 0.05,
  resume: 0.05,
  detach: 0.05,
  report: 0.05,
};

const BASE = (() => {
  const out = {} as Record<PhaseName, number>;
  let acc = 0;
  for (const p of PHASES) {
    out[p] = acc;
    acc += WEIGHT[p];
  }
  return out;
})();

function isPhase(name: string): name is PhaseName {
  return (PHASES as readonly string[]).includes(name);
}

export interface MigrationRecordInit {
  id: string;
  guestId: string;
  from: string;
  to: string;
  startedAt: number;
  model: string;
}

export class MigrationRecord {
  readonly id: string;
  readonly guestId: string;
  readonly from: string;
  readonly to: string;
  readonly startedAt: number;
  state: MigrationJob['state'] = 'running';
  phase: string = 'checks';
  progress = 0;
  readonly phases: PhaseRecord[] = [];
  rounds = 0;
  bytesSent = 0;
  downtimeMs: number | null = null;
  totalMs: number | null = null;
  model: string;
  error: { code: string; message: string } | null = null;
  rolledBack: string[] = [];
  endedAt: number | null = null;

  constructor(init: MigrationRecordInit) {
    this.id = init.id;
    this.guestId = init.guestId;
    this.from = init.from;
    this.to = init.to;
    this.startedAt = init.startedAt;
    this.model = init.model;
  }

  /** Opens a phase record (phases that are not on the progress bar, like rollback, keep progress). */
  begin(name: string, now: number, detail = ''): PhaseRecord {
    const rec: PhaseRecord = { name, startedAt: now, endedAt: null, detail };
    this.phases.push(rec);
    this.phase = name;
    if (isPhase(name)) this.progress = BASE[name];
    return rec;
  }

  /** Closes the open phase record. */
  end(now: number, detail: string): PhaseRecord | null {
    const rec = this.current();
    if (!rec || rec.endedAt !== null) return null;
    rec.endedAt = now;
    rec.detail = detail;
    if (isPhase(rec.name)) this.progress = Math.min(1, BASE[rec.name] + WEIGHT[rec.name]);
    return rec;
  }

  /** Moves the bar within the running phase (fraction 0..1 of it). */
  within(fraction: number): void {
    if (!isPhase(this.phase)) return;
    const f = Math.max(0, Math.min(1, fraction));
    this.progress = BASE[this.phase] + WEIGHT[this.phase] * f;
  }

  current(): PhaseRecord | undefined {
    return this.phases[this.phases.length - 1];
  }

  finish(state: 'succeeded' | 'failed', now: number): void {
    this.state = state;
    this.endedAt = now;
    this.totalMs = now - this.startedAt;
    if (state === 'succeeded') {
      this.progress = 1;
      this.phase = 'done';
    }
  }

  view(): MigrationJob {
    return {
      id: this.id,
      kind: 'migration',
      guestId: this.guestId,
      from: this.from,
      to: this.to,
      state: this.state,
      phase: this.phase,
      progress: round3(this.progress),
      phases: this.phases.map((p) => ({ ...p })),
      rounds: this.rounds,
      bytesSent: Math.round(this.bytesSent),
      downtimeMs: this.downtimeMs === null ? null : round3(this.downtimeMs),
      totalMs: this.totalMs === null ? null : round3(this.totalMs),
      model: this.model,
      error: this.error ? { ...this.error } : null,
      rolledBack: [...this.rolledBack],
      startedAt: this.startedAt,
    };
  }

  row(): MigrationRow {
    const v = this.view();
    return {
      jobId: v.id,
      guestId: v.guestId,
      fromHost: v.from,
      toHost: v.to,
      state: v.state,
      phase: v.phase,
      phases: v.phases,
      rounds: v.rounds,
      bytesSent: v.bytesSent,
      downtimeMs: v.downtimeMs,
      totalMs: v.totalMs,
      model: v.model,
      error: v.error,
      rolledBack: v.rolledBack,
      startedAt: v.startedAt,
      endedAt: this.endedAt,
    };
  }
}

/** A job from the history table, as the API shows it (jobs of earlier runs of the lab). */
export function jobFromRow(row: MigrationRow): MigrationJob {
  const state = row.state === 'succeeded' || row.state === 'failed' ? row.state : 'running';
  return {
    id: row.jobId,
    kind: 'migration',
    guestId: row.guestId,
    from: row.fromHost,
    to: row.toHost,
    state,
    phase: row.phase,
    progress: state === 'succeeded' ? 1 : 0,
    phases: Array.isArray(row.phases) ? (row.phases as PhaseRecord[]) : [],
    rounds: row.rounds,
    bytesSent: row.bytesSent,
    downtimeMs: row.downtimeMs,
    totalMs: row.totalMs,
    model: row.model,
    error: row.error,
    rolledBack: Array.isArray(row.rolledBack) ? row.rolledBack : [],
    startedAt: row.startedAt,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
