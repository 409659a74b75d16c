/**
 * The migration history in the central server's database: a row inserted when a job starts,
 * updated at every phase boundary and at the end, each change in ONE transaction with the pool
 * events that announce it (so the event log and the table never disagree). At the next open of
 * the lab, a job still recorded as running was cut off by a restart: it is closed as failed.
 */
import type { MigrationJob } from '../../api/contract';
import type { MigrationRow } from '../central/repos';
import type { Pool } from '../pool';
import { jobFromRow, type MigrationRecord } from './job';

export interface HistoryEvent {
  kind: string;
  message: string;
  data?: Record<string, unknown>;
}

export const INTERRUPTED_CODE = 'ERR_INTERRUPTED';

export class MigrationHistory {
  constructor(
    private readonly pool: Pool,
    private readonly onError: (e: unknown) => void = (e) => console.error('migration history:', e),
  ) {}

  /** The job's first row and its `migration.started` event. */
  started(rec: MigrationRecord, event: HistoryEvent): void {
    this.write(() => {
      this.pool.central.repos.migrations.insert(rec.row());
      this.emit(rec, event);
    });
  }

  /** Writes the job's current row with any events that go with the change. */
  update(rec: MigrationRecord, ...events: HistoryEvent[]): void {
    this.write(() => {
      const { jobId: _key, ...changes } = rec.row();
      this.pool.central.repos.migrations.update({ jobId: rec.id }, changes);
      for (const e of events) this.emit(rec, e);
    });
  }

  get(jobId: string): MigrationJob | null {
    const row = this.pool.central.repos.migrations.get({ jobId });
    return row ? jobFromRow(row) : null;
  }

  /** The newest jobs first. */
  recent(limit: number): MigrationJob[] {
    return this.pool.central.repos.migrations
      .list({}, { orderBy: 'startedAt', desc: true, limit })
      .map(jobFromRow);
  }

  /** Ids already used, so a new job never reuses one from an earlier run of the lab. */
  count(): number {
    return this.pool.central.repos.migrations.count();
  }

  has(jobId: string): boolean {
    return this.pool.central.repos.migrations.get({ jobId }) !== null;
  }

  /**
   * Jobs a restart (clean close or crash) cut off: recorded as failed, saying so. Where the
   * guest ended up is decided by the pool's placement recovery (ownership is authoritative).
   */
  closeInterrupted(now: number): MigrationRow[] {
    const rows = this.pool.central.repos.migrations.list({ state: 'running' });
    if (rows.length === 0) return rows;
    this.write(() => {
      for (const r of rows) {
        const phases = Array.isArray(r.phases) ? [...(r.phases as Array<Record<string, unknown>>)] : [];
        const last = phases[phases.length - 1];
        if (last && last.endedAt === null)
          phases[phases.length - 1] = { ...last, endedAt: now, detail: 'cut off by a lab restart' };
        const message = `interrupted by a lab restart during ${r.phase}`;
        this.pool.central.repos.migrations.update(
          { jobId: r.jobId },
          {
            state: 'failed',
            phases,
            error: { code: INTERRUPTED_CODE, message },
            rolledBack: [
              ...(Array.isArray(r.rolledBack) ? r.rolledBack : []),
              `the lab restarted mid-migration: ${r.guestId} was placed on the host that owns its volumes when the lab reopened`,
            ],
            endedAt: now,
            totalMs: now - r.startedAt,
          },
        );
        this.pool.event(
          'migration.failed',
          'migration',
          r.guestId,
          `migration ${r.jobId} of ${r.guestId} (${r.fromHost} -> ${r.toHost}) was ${message}`,
          {
            jobId: r.jobId,
            phase: r.phase,
            state: 'failed',
          },
        );
      }
    });
    return rows;
  }

  private emit(rec: MigrationRecord, e: HistoryEvent): void {
    this.pool.event(e.kind, 'migration', rec.guestId, e.message, { jobId: rec.id, ...(e.data ?? {}) });
  }

  private write(fn: () => void): void {
    try {
      this.pool.central.db.transaction(fn);
    } catch (e) {
      // A history write that fails (disk full) must not take the migration down with it: the job
      // in memory stays authoritative for the running lab, and the error is reported.
      this.onError(e);
    }
  }
}
