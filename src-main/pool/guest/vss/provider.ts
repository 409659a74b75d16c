/**
 * The guest side of the XDC hardware VSS provider: commits a snapshot set by asking the Dom0
 * the guest runs on (`POST /xdc/v1/vss/snapshot-set` over xprtld), and discards sets that must
 * not survive (a failed or timed-out snapshot, a user delete). A discard that cannot reach Dom0
 * now is kept and retried on the pool clock until it succeeds, so no half snapshot outlives
 * a partition.
 */
import { asXdcError, XdcError } from '../../errors';
import type { PoolClock, TimerHandle } from '../../net/clock';
import type { GuestLog } from '../guest-log';
import type { Dom0Link } from '../links';
import type { SnapshotSetCreated, SnapshotSetRequest } from '../wire';
import type { VssFaults } from './faults';

export class ProviderError extends XdcError {}

export class HardwareProvider {
  private readonly cleanups = new Map<string, string[]>();
  private retry: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly dom0: Dom0Link,
    private readonly clock: PoolClock,
    private readonly log: GuestLog,
    private readonly faults: VssFaults,
    private readonly retryMs = 3000,
  ) {}

  get pendingCleanups(): number {
    return this.cleanups.size;
  }

  /** DoSnapshotSet: all LUNs of the set as one, or none. `signal` is the requestor giving up (freeze timeout). */
  async commit(req: SnapshotSetRequest, signal: AbortSignal): Promise<SnapshotSetCreated> {
    if (this.faults.providerDelayMs > 0) {
      this.log.write(
        'vss-provider',
        `lab fault: waiting ${this.faults.providerDelayMs} ms before asking Dom0`,
      );
      await this.clock.sleep(this.faults.providerDelayMs, signal);
    }
    const created = await this.dom0.createSet(req, { signal });
    if (this.faults.providerError) {
      throw new ProviderError(
        'ERR_STORAGE',
        `the XDC hardware provider failed in PostCommitSnapshots after Dom0 created ${created.members.length} snapshot(s) (lab fault, VSS_E_PROVIDER_VETO)`,
      );
    }
    return created;
  }

  /** Deletes the set's snapshots on Dom0; if Dom0 cannot be reached, keeps trying in the background. */
  async discard(setId: string, snapshotIds: string[]): Promise<'deleted' | 'queued'> {
    try {
      await this.dom0.deleteSet({ setId, snapshotIds });
      this.cleanups.delete(setId);
      return 'deleted';
    } catch (e) {
      this.cleanups.set(setId, snapshotIds);
      this.log.write(
        'vss-provider',
        `could not delete snapshot set ${setId} now (${asXdcError(e).message}); will retry`,
      );
      this.armRetry();
      return 'queued';
    }
  }

  resume(): void {
    this.stopped = false;
    if (this.cleanups.size > 0) this.armRetry();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) this.clock.clearTimer(this.retry);
    this.retry = null;
  }

  private armRetry(): void {
    if (this.retry || this.stopped) return;
    this.retry = this.clock.setTimer(this.retryMs, () => {
      this.retry = null;
      void this.retryAll();
    });
  }

  private async retryAll(): Promise<void> {
    for (const [setId, ids] of [...this.cleanups]) {
      try {
        await this.dom0.deleteSet({ setId, snapshotIds: ids });
        this.cleanups.delete(setId);
        this.log.write('vss-provider', `deleted leftover snapshot set ${setId}`);
      } catch {
        // Still unreachable: try again later.
      }
    }
    if (this.cleanups.size > 0) this.armRetry();
  }
}
