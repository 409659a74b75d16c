/**
 * What the pool asks of live migration; `MigrationOrchestrator` (orchestrator.ts) implements it.
 */
import type { MigrationJob } from '../../api/contract';
import type { Pool } from '../pool';
import { MigrationOrchestrator } from './orchestrator';

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
  /** Resolves with the job once it has ended (succeeded or failed, after any rollback). */
  whenDone(jobId: string): Promise<MigrationJob>;
  /** MIGRATION: the pool tells the orchestrator when a host goes down (jobs touching it react). */
  onHostDown(hostId: string): void;
  close(): void;
}

export function createMigrationPort(pool: Pool): MigrationPort {
  return new MigrationOrchestrator(pool);
}
