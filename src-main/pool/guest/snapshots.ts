/**
 * Snapshots from inside the guest: create (application-consistent through VSS on Windows,
 * crash-consistent otherwise — a Linux guest has no VSS), list, delete and restore snapshot
 * sets. The central server keeps the set records; the Dom0 endpoint makes, deletes and
 * restores the volume snapshots through the volume server.
 */
import { randomBytes } from 'node:crypto';
import { asXdcError, XdcError } from '../errors';
import type { PoolClock } from '../net/clock';
import type { AppWorkload } from './apps';
import type { GuestLog } from './guest-log';
import type { CentralLink, Dom0Link } from './links';
import type { HardwareProvider } from './vss/provider';
import type { SetResult, VssRequestor } from './vss/requestor';
import type { LunRecord, RestoreResult, SnapshotSetRecord } from './wire';

export interface SnapshotTarget {
  kind: 'app' | 'lun';
  /** As stored and shown: the app id or the LUN name (lun1). */
  name: string;
  luns: LunRecord[];
}

export interface SnapshotServiceDeps {
  guestId: string;
  os: 'windows' | 'linux';
  clock: PoolClock;
  central: CentralLink;
  dom0: Dom0Link;
  provider: HardwareProvider;
  requestor: VssRequestor;
  apps: () => readonly AppWorkload[];
  currentLuns: () => LunRecord[];
  log: GuestLog;
  event: (kind: string, subject: string | null, message: string, data?: Record<string, unknown>) => void;
}

export interface CreateOptions {
  name?: string;
  crashConsistent?: boolean;
  scheduleId?: string | null;
}

export interface Created extends SetResult {
  notes: string[];
}

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

export class SnapshotService {
  constructor(private readonly d: SnapshotServiceDeps) {}

  async create(target: SnapshotTarget, opts: CreateOptions = {}): Promise<Created> {
    const notes: string[] = [];
    if (target.luns.length === 0)
      throw new XdcError('ERR_NOT_FOUND', `${target.name} has no LUN to snapshot`);
    const noId = target.luns.find((l) => !l.naa);
    if (noId)
      throw new XdcError(
        'ERR_UNSUPPORTED',
        `lun${noId.lun} reports no NAA device id (VPD 0x83); the provider cannot name it to Dom0`,
      );
    let consistency: 'application' | 'crash' = opts.crashConsistent ? 'crash' : 'application';
    if (this.d.os === 'linux') {
      consistency = 'crash';
      notes.push(
        'This Linux guest has no VSS: the snapshot is crash-consistent (no application was quiesced).',
      );
    }
    const existing = await this.d.central.listSets(this.d.guestId);
    const name =
      opts.name ?? uniqueName(`${target.name}-${Math.floor(this.d.clock.now() / 1000)}s`, existing);
    if (!NAME.test(name))
      throw new XdcError('ERR_VALIDATION', `snapshot name '${name}' must be 1-64 letters, digits or _ . : -`);
    if (existing.some((s) => s.name === name))
      throw new XdcError('ERR_CONFLICT', `a snapshot named ${name} already exists in this guest`);
    const setId = `set-${this.d.guestId}-${randomBytes(5).toString('hex')}`;
    const result = await this.d.requestor.createSet({
      setId,
      name,
      target: target.name,
      targetKind: target.kind,
      luns: target.luns,
      consistency,
      scheduleId: opts.scheduleId ?? null,
    });
    this.d.event(
      'snapshot.created',
      target.name,
      `snapshot ${name} of ${target.name} taken (${consistency}-consistent, ${result.record.members.length} volume(s))`,
      {
        setId,
        name,
        consistency,
        members: result.record.members,
      },
    );
    return { ...result, notes };
  }

  list(): Promise<SnapshotSetRecord[]> {
    return this.d.central.listSets(this.d.guestId);
  }

  async find(name: string): Promise<SnapshotSetRecord> {
    const sets = await this.list();
    const hit = sets.find((s) => s.name === name) ?? sets.find((s) => s.setId === name);
    if (!hit) {
      const known = sets.map((s) => s.name).slice(0, 8);
      throw new XdcError(
        'ERR_NOT_FOUND',
        `no snapshot named ${name} in this guest${known.length ? ` (have: ${known.join(', ')})` : ''}`,
      );
    }
    return hit;
  }

  async delete(name: string): Promise<SnapshotSetRecord> {
    const set = await this.find(name);
    await this.d.dom0.deleteSet({ setId: set.setId, snapshotIds: set.members.map((m) => m.snapshotId) });
    await this.d.central.forgetSet(set.setId);
    this.d.event('snapshot.deleted', set.target, `snapshot ${set.name} deleted`, {
      setId: set.setId,
      name: set.name,
    });
    return set;
  }

  async restore(
    name: string,
    opts: { offlineApp?: boolean } = {},
  ): Promise<{ set: SnapshotSetRecord; result: RestoreResult; notes: string[] }> {
    const set = await this.find(name);
    const current = new Map(this.d.currentLuns().map((l) => [l.lun, l]));
    for (const m of set.members) {
      const now = current.get(m.lun);
      if (!now || now.naa !== m.naa) {
        throw new XdcError(
          'ERR_CONFLICT',
          `lun${m.lun} of snapshot ${set.name} is no longer the same disk in this guest; restore refused`,
        );
      }
    }
    const lunNos = set.members.map((m) => m.lun);
    const affected = this.d
      .apps()
      .filter((a) => a.state !== 'offline' && a.luns.some((l) => lunNos.includes(l)));
    if (affected.length > 0 && !opts.offlineApp) {
      throw new XdcError(
        'ERR_CONFLICT',
        `${affected.map((a) => `${a.id} (${a.kindLabel})`).join(', ')} is ${affected[0]!.state} on the LUN(s) of ${set.name}; take it offline first or use --offline-app`,
      );
    }
    const notes: string[] = [];
    for (const a of affected) {
      a.takeOffline();
      await a.idle();
      notes.push(`${a.id} taken offline for the restore`);
    }
    let result: RestoreResult;
    try {
      result = await this.d.dom0.restoreSet({ setId: set.setId, members: set.members });
    } catch (e) {
      for (const a of affected) a.bringOnline();
      throw new XdcError(asXdcError(e).code, `restore of ${set.name} failed: ${asXdcError(e).message}`);
    }
    for (const a of affected) {
      a.bringOnline();
      notes.push(`${a.id} brought back online on the restored data`);
    }
    this.d.event(
      'snapshot.restored',
      set.target,
      `snapshot ${set.name} restored onto ${set.members.map((m) => `lun${m.lun}`).join(', ')}`,
      {
        setId: set.setId,
        restored: result.restored,
      },
    );
    return { set, result, notes };
  }
}

function uniqueName(base: string, existing: readonly SnapshotSetRecord[]): string {
  const taken = new Set(existing.map((s) => s.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
