/**
 * The VSS requestor: one snapshot set, the way VSS runs it — GatherWriterMetadata, PrepareFor
 * Backup, Freeze (the apps' writes wait), DoSnapshotSet through the XDC hardware provider (Dom0
 * makes every volume snapshot of the set as one), Thaw, then the set is recorded on the central
 * server. Writers may hold writes for at most VSS_FREEZE_LIMIT_MS of pool time; past that the
 * snapshot fails (VSS_E_HOLD_WRITES_TIMEOUT).
 *
 * Whatever step fails, the writers are thawed and the set's snapshots are discarded (by set id,
 * so Dom0 also drops members the guest never heard of): no half snapshot, no frozen app. Every
 * step is reported as an event, and a failure names its step.
 */
import { asXdcError, XdcError } from '../../errors';
import type { PoolClock, TimerHandle } from '../../net/clock';
import type { AppWorkload } from '../apps';
import type { GuestLog } from '../guest-log';
import type { CentralLink } from '../links';
import type { Consistency, LunRecord, SnapshotSetCreated, SnapshotSetRecord } from '../wire';
import type { VssFaults } from './faults';
import type { HardwareProvider } from './provider';
import { freezeWriters, gatherWriterMetadata, thawWriters, type WriterComponent } from './writers';

export const VSS_FREEZE_LIMIT_MS = 10_000;

export type VssStep =
  | 'gather-writer-metadata'
  | 'prepare-for-backup'
  | 'freeze'
  | 'commit'
  | 'thaw'
  | 'record';

export class SnapshotFailed extends XdcError {
  constructor(
    readonly step: VssStep,
    message: string,
    readonly transcript: string[],
    code: XdcError['code'] = 'ERR_STORAGE',
  ) {
    super(code, message, { step });
  }
}

export interface SetPlan {
  setId: string;
  name: string;
  target: string;
  targetKind: 'app' | 'lun';
  luns: LunRecord[];
  consistency: Consistency;
  scheduleId: string | null;
}

export interface RequestorDeps {
  guestId: string;
  clock: PoolClock;
  apps: () => readonly AppWorkload[];
  provider: HardwareProvider;
  central: CentralLink;
  faults: VssFaults;
  log: GuestLog;
  event: (kind: string, subject: string | null, message: string, data?: Record<string, unknown>) => void;
}

export interface SetResult {
  record: SnapshotSetRecord;
  transcript: string[];
}

export class VssRequestor {
  constructor(private readonly d: RequestorDeps) {}

  async createSet(plan: SetPlan): Promise<SetResult> {
    const transcript: string[] = [];
    const subject = plan.target;
    const note = (step: VssStep, message: string, data: Record<string, unknown> = {}) => {
      transcript.push(`${step}: ${message}`);
      this.d.log.write('vss', `${plan.name}: ${step}: ${message}`);
      this.d.event(`vss.${step}`, subject, `${plan.name}: ${message}`, { setId: plan.setId, ...data });
    };
    const fail = (step: VssStep, message: string, code: XdcError['code'] = 'ERR_STORAGE'): SnapshotFailed => {
      transcript.push(`${step}: FAILED: ${message}`);
      this.d.log.write('vss', `${plan.name}: ${step} failed: ${message}`);
      this.d.event('vss.failed', subject, `${plan.name}: ${step} failed: ${message}`, {
        setId: plan.setId,
        step,
      });
      return new SnapshotFailed(
        step,
        `snapshot ${plan.name} failed at ${step}: ${message}`,
        transcript,
        code,
      );
    };

    const lunNumbers = plan.luns.map((l) => l.lun);
    const appConsistent = plan.consistency === 'application';
    let components: WriterComponent[] = [];
    if (appConsistent) {
      components = gatherWriterMetadata(this.d.apps(), lunNumbers);
      note(
        'gather-writer-metadata',
        components.length
          ? components
              .map((c) => `${c.writer} (${c.app.id} on ${c.app.luns.map((l) => `lun${l}`).join(', ')})`)
              .join('; ')
          : 'no writer has components on these LUNs',
        { writers: components.map((c) => c.writer) },
      );
      note('prepare-for-backup', `backup type full, ${plan.luns.length} LUN(s) in the set`);
    }

    const frozen: WriterComponent[] = [];
    const aborter = new AbortController();
    let freezeTimer: TimerHandle | null = null;
    let step: VssStep = 'freeze';
    let created: SnapshotSetCreated | null = null;
    const frozenAt = this.d.clock.now();
    try {
      if (appConsistent) {
        freezeTimer = this.d.clock.setTimer(VSS_FREEZE_LIMIT_MS, () => {
          freezeTimer = null;
          aborter.abort(
            new XdcError(
              'ERR_TIMEOUT',
              `writers were frozen for more than ${VSS_FREEZE_LIMIT_MS / 1000} s (VSS_E_HOLD_WRITES_TIMEOUT); the provider did not finish in time`,
            ),
          );
        });
        await freezeWriters(components, this.d.faults, frozen);
        note(
          'freeze',
          frozen.length
            ? `froze ${frozen.map((c) => c.app.id).join(', ')}; their writes are held`
            : 'nothing to freeze',
        );
      }
      step = 'commit';
      created = await this.d.provider.commit(
        {
          setId: plan.setId,
          name: plan.name,
          consistency: plan.consistency,
          luns: plan.luns.map((l) => ({ lun: l.lun, naa: l.naa ?? '' })),
        },
        aborter.signal,
      );
      if (aborter.signal.aborted) throw aborter.signal.reason;
      note('commit', `Dom0 created ${created.members.map((m) => m.snapshotId).join(', ')} as one set`, {
        members: created.members,
      });
    } catch (e) {
      if (freezeTimer) this.d.clock.clearTimer(freezeTimer);
      thawWriters(frozen);
      if (frozen.length) note('thaw', `thawed ${frozen.map((c) => c.app.id).join(', ')} after the failure`);
      const reason = aborter.signal.aborted ? asXdcError(aborter.signal.reason) : asXdcError(e);
      if (step === 'commit') {
        const outcome = await this.d.provider.discard(
          plan.setId,
          created?.members.map((m) => m.snapshotId) ?? [],
        );
        transcript.push(
          `cleanup: ${outcome === 'deleted' ? 'no snapshot of the set was kept' : 'Dom0 unreachable, the set will be deleted when it answers'}`,
        );
      }
      throw fail(step, reason.message, reason.code === 'ERR_INTERNAL' ? 'ERR_STORAGE' : reason.code);
    }
    if (freezeTimer) this.d.clock.clearTimer(freezeTimer);
    thawWriters(frozen);
    if (appConsistent) note('thaw', `thawed after ${Math.round(this.d.clock.now() - frozenAt)} ms frozen`);

    const record: SnapshotSetRecord = {
      setId: plan.setId,
      guestId: this.d.guestId,
      name: plan.name,
      target: plan.target,
      targetKind: plan.targetKind,
      consistency: plan.consistency,
      createdAt: this.d.clock.now(),
      members: created.members,
      writers: components.map((c) => c.writer),
      scheduleId: plan.scheduleId,
    };
    try {
      await this.d.central.recordSet(record);
    } catch (e) {
      await this.d.provider.discard(
        plan.setId,
        created.members.map((m) => m.snapshotId),
      );
      throw fail(
        'record',
        `the central server did not record the set (${asXdcError(e).message}); its snapshots were removed`,
      );
    }
    note('record', `recorded on the central server as ${plan.setId}`);
    return { record, transcript };
  }
}
