/**
 * The volume server: exactly one per pool, on one Dom0. It owns all storage metadata and every
 * change goes through it, as the Xen storage-manager operations (sr_* and vdi_*), each run by
 * the SR/VDI driver classes under a per-SR lock. It also builds the data path the volume
 * clients use, over the same metadata.
 *
 * If its host goes down, `VolumeServerRole.takeover(newHost)` opens a NEW server on another
 * Dom0 from what is on disk (checkpoint + journal): everything acknowledged is there. The old
 * instance refuses every further call with ERR_HOST_DOWN.
 */
import { XdcError } from '../errors';
import { MetadataStore, type MetadataStoreOptions } from '../storage/metadata-store';
import type { SharedDisks } from '../storage/shared-disks';
import { VolumeIo } from '../storage/volume-io';
import { AsyncMutex } from './async-mutex';
import { findSr, findVdi, findWritable, type SmContext } from './sm-context';
import { SR, type SrScanResult } from './sm-sr';
import { type SnapshotOptions, VDI } from './sm-vdi';
import {
  type DiskGroupInfo,
  type DiskInfoView,
  diskGroupInfo,
  diskInfos,
  type SnapshotInfo,
  snapshotInfo,
  type VolumeInfo,
  volumeInfo,
} from './storage-views';

export interface VolumeServerOptions extends MetadataStoreOptions {
  labDir: string;
  disks: SharedDisks;
  hostId: string;
  /** Pool time for createdAt stamps (the PoolClock's now); defaults to Date.now. */
  now?: () => number;
}

export class VolumeServer {
  readonly hostId: string;
  /** The data path over this server's metadata (what volume clients do I/O through). */
  readonly io: VolumeIo;
  private readonly store: MetadataStore;
  private readonly ctx: SmContext;
  private readonly locks = new Map<string, AsyncMutex>();
  private downReason: string | null = null;

  private constructor(opts: VolumeServerOptions, store: MetadataStore) {
    this.hostId = opts.hostId;
    this.store = store;
    this.io = new VolumeIo(store, () => this.checkUp('record a copy-on-write mapping'));
    this.ctx = { store, io: this.io, now: opts.now ?? Date.now };
  }

  /** Opens the pool's storage metadata on `hostId` (checkpoint + journal replay). */
  static open(opts: VolumeServerOptions): VolumeServer {
    return new VolumeServer(opts, MetadataStore.open(opts.labDir, opts.disks, opts));
  }

  get isUp(): boolean {
    return this.downReason === null;
  }

  // ------------------------------------------------------------------ SR operations

  srCreate(srId: string, opts: { name?: string; diskIds: string[] }): Promise<DiskGroupInfo> {
    return this.locked(srId, 'sr_create', () => {
      new SR(this.ctx, srId).create(opts.name ?? srId, opts.diskIds);
      return diskGroupInfo(findSr(this.ctx, srId));
    });
  }

  srDelete(srId: string): Promise<void> {
    return this.locked(srId, 'sr_delete', () => new SR(this.ctx, srId).delete());
  }

  srAttach(srId: string, hostId: string): Promise<void> {
    return this.locked(srId, 'sr_attach', () => new SR(this.ctx, srId).attach(hostId));
  }

  srDetach(srId: string, hostId: string): Promise<void> {
    return this.locked(srId, 'sr_detach', () => new SR(this.ctx, srId).detach(hostId));
  }

  srScan(srId: string): Promise<SrScanResult> {
    return this.locked(srId, 'sr_scan', () => new SR(this.ctx, srId).scan());
  }

  // ------------------------------------------------------------------ VDI operations

  vdiCreate(
    srId: string,
    vdiId: string,
    sizeBytes: number,
    opts: { name?: string } = {},
  ): Promise<VolumeInfo> {
    return this.locked(srId, 'vdi_create', () => {
      new VDI(this.ctx, vdiId).create(srId, sizeBytes, opts.name ?? vdiId);
      return this.getVolume(vdiId);
    });
  }

  vdiDelete(vdiId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_delete', (vdi) => vdi.delete());
  }

  vdiResize(vdiId: string, sizeBytes: number): Promise<VolumeInfo> {
    return this.onVdi(vdiId, 'vdi_resize', (vdi) => {
      vdi.resize(sizeBytes);
      return this.getVolume(vdiId);
    });
  }

  /** An O(1) copy-on-write snapshot. `snapId` defaults to `<vdiId>.snap<n>`. */
  vdiSnapshot(vdiId: string, opts: SnapshotOptions & { snapId?: string } = {}): Promise<SnapshotInfo> {
    return this.onVdi(vdiId, 'vdi_snapshot', (vdi) => {
      const snapId = opts.snapId ?? this.freshId(`${vdiId}.snap`);
      vdi.snapshot(snapId, opts);
      return this.getSnapshot(snapId);
    });
  }

  /** A writable thin clone of a snapshot (or of a volume, through an internal snapshot). */
  vdiClone(srcId: string, opts: { cloneId?: string; name?: string } = {}): Promise<VolumeInfo> {
    return this.onVdi(srcId, 'vdi_clone', (vdi) => {
      const cloneId = opts.cloneId ?? this.freshId(`${srcId}.clone`);
      vdi.clone(cloneId, opts.name ?? cloneId);
      return this.getVolume(cloneId);
    });
  }

  vdiAttach(vdiId: string, hostId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_attach', (vdi) => vdi.attach(hostId));
  }

  vdiDetach(vdiId: string, hostId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_detach', (vdi) => vdi.detach(hostId));
  }

  /** Writes `host_<hostId>=RW`; refuses (ERR_CONFLICT naming the owner) while another host holds it. */
  vdiActivate(vdiId: string, hostId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_activate', (vdi) => vdi.activate(hostId));
  }

  /** Removes the tag; only the owner may (ERR_NOT_OWNER otherwise); idempotent. */
  vdiDeactivate(vdiId: string, hostId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_deactivate', (vdi) => vdi.deactivate(hostId));
  }

  /** Recovery after a host crash: drops the dead host's tag and attachment. The caller knows it is down. */
  vdiForgetOwner(vdiId: string, deadHostId: string): Promise<void> {
    return this.onVdi(vdiId, 'vdi_forget_owner', (vdi) => vdi.forgetOwner(deadHostId));
  }

  // ------------------------------------------------------------------ read-only queries

  listDisks(): DiskInfoView[] {
    this.checkUp('list disks');
    return diskInfos(this.store.disks, this.store.state);
  }

  listDiskGroups(): DiskGroupInfo[] {
    this.checkUp('list disk groups');
    return [...this.store.state.srs.values()].map(diskGroupInfo);
  }

  getDiskGroup(srId: string): DiskGroupInfo {
    this.checkUp('read a disk group');
    return diskGroupInfo(findSr(this.ctx, srId));
  }

  /** Volumes and clones (not snapshots, not deleted ones kept only as snapshot backing). */
  listVolumes(): VolumeInfo[] {
    this.checkUp('list volumes');
    const out: VolumeInfo[] = [];
    for (const v of this.store.state.vdis.values())
      if (v.kind !== 'snapshot' && !v.deleted) out.push(volumeInfo(this.store.state, v));
    return out;
  }

  getVolume(vdiId: string): VolumeInfo {
    this.checkUp('read a volume');
    return volumeInfo(this.store.state, findWritable(this.ctx, vdiId, 'getVolume'));
  }

  /** Every snapshot (of `vdiId` only, if given), oldest first per volume. */
  listSnapshots(vdiId?: string): SnapshotInfo[] {
    this.checkUp('list snapshots');
    const out: SnapshotInfo[] = [];
    for (const v of this.store.state.vdis.values())
      if (v.kind === 'snapshot' && (vdiId === undefined || v.parent.id === vdiId))
        out.push(snapshotInfo(this.store.state, v));
    return out;
  }

  /**
   * The chunk indexes of the snapshot's parent written since the snapshot was taken: exactly the
   * keys of its COW map and of every newer snapshot's (a chunk is copied into the newest snapshot
   * the first time it is overwritten). A restore needs to copy back only these.
   */
  changedChunksSince(snapId: string): number[] {
    this.checkUp('read a snapshot');
    const s = findVdi(this.ctx, snapId);
    if (s.kind !== 'snapshot') throw new XdcError('ERR_BAD_REQUEST', `${snapId} is not a snapshot`);
    const chain = s.parent.snapshots;
    const changed = new Set<number>();
    for (let i = chain.indexOf(s); i >= 0 && i < chain.length; i++)
      for (const c of chain[i]!.map.keys()) changed.add(c);
    return [...changed].sort((a, b) => a - b);
  }

  getSnapshot(snapId: string): SnapshotInfo {
    this.checkUp('read a snapshot');
    const v = findVdi(this.ctx, snapId);
    if (v.kind !== 'snapshot') throw new XdcError('ERR_BAD_REQUEST', `${snapId} is not a snapshot`);
    return snapshotInfo(this.store.state, v);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Writes the checkpoint and empties the journal. */
  checkpoint(): void {
    this.checkUp('checkpoint');
    this.store.checkpoint();
  }

  /** Clean shutdown: checkpoint, close. Further calls are refused. */
  close(): void {
    if (this.downReason !== null) return;
    this.downReason = `the volume server on host ${this.hostId} was shut down`;
    this.store.close();
  }

  /** The host died: nothing more is written, every further call gets ERR_HOST_DOWN. */
  crash(reason = `host ${this.hostId} is down`): void {
    if (this.downReason !== null) return;
    this.downReason = reason;
    this.store.abandon();
  }

  private checkUp(what: string): void {
    if (this.downReason !== null)
      throw new XdcError(
        'ERR_HOST_DOWN',
        `the volume server on host ${this.hostId} cannot ${what}: ${this.downReason}`,
      );
  }

  private lockFor(srId: string): AsyncMutex {
    let m = this.locks.get(srId);
    if (!m) {
      m = new AsyncMutex();
      this.locks.set(srId, m);
    }
    return m;
  }

  private locked<T>(srId: string, op: string, fn: () => T): Promise<T> {
    return this.lockFor(srId).run(() => {
      this.checkUp(op);
      return fn();
    });
  }

  /** Runs a VDI operation under the lock of the SR the VDI lives in. */
  private onVdi<T>(vdiId: string, op: string, fn: (vdi: VDI) => T): Promise<T> {
    try {
      this.checkUp(op);
      const srId = findVdi(this.ctx, vdiId).sr.id;
      return this.locked(srId, op, () => fn(new VDI(this.ctx, vdiId)));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private freshId(prefix: string): string {
    for (let n = 1; ; n++) if (!this.store.state.vdis.has(`${prefix}${n}`)) return `${prefix}${n}`;
  }
}
