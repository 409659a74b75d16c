/**
 * The VDI driver (xapi-project/sm's VDI class): one method per storage-manager operation on a
 * volume, clone or snapshot. Runs under the SR lock; validates, then commits the record(s).
 *
 * Ownership follows Xen's rule: vdi_activate writes the `host_<id>=RW` tag and refuses while
 * another host holds it; vdi_deactivate removes it, and only the owner may.
 */
import { XdcError } from '../errors';
import { dependentClones } from '../storage/model';
import { scrubForReuse } from '../storage/scrub';
import { formatBytes, MiB, roundUpToAlloc } from '../storage/units';
import {
  checkId,
  checkNewVdiId,
  checkSize,
  findSnapshot,
  findSr,
  findVdi,
  findWritable,
  list,
  type SmContext,
} from './sm-context';

export interface SnapshotOptions {
  name?: string;
  /** VSS snapshot set this snapshot belongs to. */
  setId?: string | null;
  consistency?: 'application' | 'crash';
}

export class VDI {
  constructor(
    private readonly ctx: SmContext,
    readonly vdiId: string,
  ) {}

  create(srId: string, sizeBytes: number, name: string): void {
    checkNewVdiId(this.ctx, this.vdiId);
    checkSize(`volume ${this.vdiId}`, sizeBytes);
    const sr = findSr(this.ctx, srId);
    const size = roundUpToAlloc(sizeBytes);
    const extents = sr.free.planVolume(size);
    if (!extents)
      throw new XdcError(
        'ERR_NO_SPACE',
        `disk group ${srId} cannot hold a ${formatBytes(size)} volume: ${formatBytes(sr.free.freeBytes)} free of ${formatBytes(sr.free.totalBytes)} on ${sr.diskIds.length} disks`,
      );
    // a new volume reads zeros, never what a deleted volume or snapshot left in this space
    scrubForReuse(this.ctx.store.state.history, this.ctx.store.disks, extents);
    this.ctx.store.commit({
      t: 'vdi_create',
      vdi: this.vdiId,
      sr: srId,
      name: name || this.vdiId,
      size,
      extents: extents.map((e) => [e.diskId, e.offset, e.length]),
      at: this.ctx.now(),
    });
  }

  delete(): void {
    const v = findVdi(this.ctx, this.vdiId);
    if (v.kind === 'snapshot') {
      const clones = dependentClones(this.ctx.store.state, v);
      if (clones.length)
        throw new XdcError(
          'ERR_CONFLICT',
          `snapshot ${v.id} cannot be deleted: clones ${list(clones.map((c) => c.id))} read through it; delete them first`,
        );
    } else {
      if (v.owner)
        throw new XdcError(
          'ERR_CONFLICT',
          `volume ${v.id} is owned by host ${v.owner} (host_${v.owner}=RW); it cannot be deleted`,
        );
      if (v.attachedHosts.size)
        throw new XdcError(
          'ERR_CONFLICT',
          `volume ${v.id} is attached on ${list(v.attachedHosts)}; detach it first`,
        );
    }
    this.ctx.store.commit({ t: 'vdi_delete', vdi: this.vdiId });
  }

  resize(sizeBytes: number): void {
    const v = findWritable(this.ctx, this.vdiId, 'vdi_resize');
    checkSize(`volume ${v.id}`, sizeBytes);
    const size = roundUpToAlloc(sizeBytes);
    if (size === v.sizeBytes) return;
    if (size > v.sizeBytes) {
      const grow = size - v.sizeBytes;
      const extents = v.kind === 'volume' ? v.sr.free.planVolume(grow) : [];
      if (!extents)
        throw new XdcError(
          'ERR_NO_SPACE',
          `disk group ${v.sr.id} cannot grow ${v.id} by ${formatBytes(grow)}: only ${formatBytes(v.sr.free.freeBytes)} free`,
        );
      scrubForReuse(this.ctx.store.state.history, this.ctx.store.disks, extents);
      this.ctx.store.commit({
        t: 'vdi_resize',
        vdi: v.id,
        size,
        extents: extents.map((e) => [e.diskId, e.offset, e.length]),
      });
      return;
    }
    const reader = v.snapshots.find((s) => s.sizeBytes > size);
    if (reader)
      throw new XdcError(
        'ERR_CONFLICT',
        `cannot shrink ${v.id} to ${formatBytes(size)}: snapshot ${reader.id} (${formatBytes(reader.sizeBytes)}) still reads those bytes; delete it first`,
      );
    for (let pos = size; pos < v.sizeBytes; pos += MiB) {
      const bytes = this.ctx.io.peek(v.id, pos, Math.min(MiB, v.sizeBytes - pos));
      const at = firstNonZero(bytes);
      if (at >= 0)
        throw new XdcError(
          'ERR_CONFLICT',
          `cannot shrink ${v.id} to ${formatBytes(size)}: it holds data at byte ${pos + at}, and shrinking below used data would destroy it`,
        );
    }
    this.ctx.store.commit({ t: 'vdi_resize', vdi: v.id, size, extents: [] });
  }

  snapshot(snapId: string, opts: SnapshotOptions = {}, internal = false): void {
    const v = findWritable(this.ctx, this.vdiId, 'vdi_snapshot');
    checkNewVdiId(this.ctx, snapId);
    this.ctx.store.commit({
      t: 'vdi_snapshot',
      vdi: v.id,
      snap: snapId,
      name: opts.name || snapId,
      at: this.ctx.now(),
      setId: opts.setId ?? null,
      consistency: opts.consistency ?? 'crash',
      internal,
    });
  }

  /** A writable thin clone of this snapshot; of a volume, through an internal snapshot first. */
  clone(cloneId: string, name: string): void {
    checkNewVdiId(this.ctx, cloneId);
    const src = findVdi(this.ctx, this.vdiId);
    let baseId = src.id;
    if (src.kind !== 'snapshot') {
      baseId = `${cloneId}.base`;
      checkNewVdiId(this.ctx, baseId);
      this.snapshot(baseId, { name: `base of clone ${cloneId}` }, true);
    }
    findSnapshot(this.ctx, baseId);
    this.ctx.store.commit({
      t: 'vdi_clone',
      clone: cloneId,
      base: baseId,
      name: name || cloneId,
      at: this.ctx.now(),
    });
  }

  attach(hostId: string): void {
    checkId('host', hostId);
    const v = findWritable(this.ctx, this.vdiId, 'vdi_attach');
    if (v.attachedHosts.has(hostId)) return;
    if (!v.sr.attachedHosts.has(hostId))
      throw new XdcError(
        'ERR_CONFLICT',
        `disk group ${v.sr.id} is not attached on host ${hostId} (sr_attach first)`,
      );
    this.ctx.store.commit({ t: 'vdi_attach', vdi: v.id, host: hostId });
  }

  detach(hostId: string): void {
    const v = findWritable(this.ctx, this.vdiId, 'vdi_detach');
    if (!v.attachedHosts.has(hostId)) return;
    if (v.owner === hostId)
      throw new XdcError(
        'ERR_CONFLICT',
        `host ${hostId} still owns ${v.id} (host_${hostId}=RW); deactivate it first`,
      );
    this.ctx.store.commit({ t: 'vdi_detach', vdi: v.id, host: hostId });
  }

  activate(hostId: string): void {
    checkId('host', hostId);
    const v = findWritable(this.ctx, this.vdiId, 'vdi_activate');
    if (v.owner === hostId) return;
    if (v.owner)
      throw new XdcError(
        'ERR_CONFLICT',
        `volume ${v.id} is owned by host ${v.owner} (tag host_${v.owner}=RW); host ${hostId} cannot activate it until ${v.owner} deactivates it`,
      );
    if (!v.attachedHosts.has(hostId))
      throw new XdcError(
        'ERR_CONFLICT',
        `volume ${v.id} is not attached on host ${hostId} (vdi_attach first)`,
      );
    this.ctx.store.commit({ t: 'vdi_activate', vdi: v.id, host: hostId });
  }

  deactivate(hostId: string): void {
    const v = findWritable(this.ctx, this.vdiId, 'vdi_deactivate');
    if (v.owner === null) return;
    if (v.owner !== hostId)
      throw new XdcError(
        'ERR_NOT_OWNER',
        `host ${hostId} cannot deactivate ${v.id}: it is owned by host ${v.owner}`,
      );
    this.ctx.store.commit({ t: 'vdi_deactivate', vdi: v.id, host: hostId });
  }

  /** Clears the tag of a host that is known to be down, so the volume can be activated elsewhere. */
  forgetOwner(deadHostId: string): void {
    const v = findWritable(this.ctx, this.vdiId, 'vdi_forget_owner');
    if (v.owner !== deadHostId)
      throw new XdcError(
        'ERR_CONFLICT',
        `volume ${v.id} is not owned by ${deadHostId} (owner: ${v.owner ?? 'none'})`,
      );
    this.ctx.store.commit({ t: 'vdi_deactivate', vdi: v.id, host: deadHostId });
    if (v.attachedHosts.has(deadHostId))
      this.ctx.store.commit({ t: 'vdi_detach', vdi: v.id, host: deadHostId });
  }
}

function firstNonZero(b: Buffer): number {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return i;
  return -1;
}
