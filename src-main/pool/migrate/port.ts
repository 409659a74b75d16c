/**
 * What the pool asks of live migration (the orchestrator in this folder implements it).
 */
import type { MigrationJob } from '../../api/contract';
import type { Pool } from '../pool';

export interface MigrationBadgeView {
  jobId: string;
  to: string;
  phase: string;
  progress: number;
}

export interface MigrationPort {
  /** Would migrating the guest to that host be allowed now, and if not why (for the UI's hover). */
  check(guestId: string, to: string): { allowed: boolean; code: string | null; reason: string | null };
  /** Starts a job; throws ERR_MIGRATION_REFUSED (or ERR_NOT_FOUND) before anything moves. */
  start(guestId: string, to: string, requestedBy: string): MigrationJob;
  job(jobId: string): MigrationJob;
  jobs(): MigrationJob[];
  /** The running migration of a guest, for its badge on the canvas. */
  badge(guestId: string): MigrationBadgeView | null;
  /** MIGRATION: the pool tells the orchestrator when a host goes down (jobs touching it react). */
  onHostDown(hostId: string): void;
  close(): void;
}

export function createMigrationPort(_pool: Pool): MigrationPort {
  const refuse = (): never => {
    throw new Error('live migration orchestrator is being integrated');
  };
  return {
    check: () => ({ allowed: false, code: 'ERR_UNSUPPORTED', reason: 'live migration is not available in this build' }),
    start: refuse,
    job: refuse,
    jobs: () => [],
    badge: () => null,
    onHostDown: () => undefined,
    close: () => undefined,
  };
}
