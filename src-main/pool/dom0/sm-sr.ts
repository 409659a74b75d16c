/**
 * The SR driver (xapi-project/sm's SR class): one method per storage-manager operation on a
 * disk group. Runs under the volume server's SR lock; validates, then commits one record.
 */
import { XdcError } from '../errors';
import { CHUNK_BYTES, formatBytes } from '../storage/units';
import { checkId, findSr, list, type SmContext } from './sm-context';

export interface SrScanResult {
  srId: string;
  vdis: number;
  snapshots: number;
  sizeBytes: number;
  freeBytes: number;
  usedBytes: number;
  /** Accounting problems found (used + free must equal the group's size); empty when healthy. */
  problems: string[];
}

export class SR {
  constructor(
    private readonly ctx: SmContext,
    readonly srId: string,
  ) {}

  create(name: string, diskIds: string[]): void {
    const { store } = this.ctx;
    checkId('disk group', this.srId);
    if (store.state.srs.has(this.srId))
      throw new XdcError('ERR_CONFLICT', `disk group ${this.srId} already exists`);
    if (!Array.isArray(diskIds) || diskIds.length === 0)
      throw new XdcError('ERR_BAD_REQUEST', `disk group ${this.srId} needs at least one disk`);
    if (new Set(diskIds).size !== diskIds.length)
      throw new XdcError('ERR_BAD_REQUEST', `disk group ${this.srId}: a disk is listed twice`);
    for (const d of diskIds) {
      if (!store.disks.has(d)) throw new XdcError('ERR_NOT_FOUND', `disk ${d} does not exist in this pool`);
      for (const other of store.state.srs.values())
        if (other.diskIds.includes(d))
          throw new XdcError('ERR_CONFLICT', `disk ${d} already belongs to disk group ${other.id}`);
      if (store.disks.get(d).sizeBytes < CHUNK_BYTES)
        throw new XdcError('ERR_BAD_REQUEST', `disk ${d} is smaller than ${formatBytes(CHUNK_BYTES)}`);
    }
    store.commit({
      t: 'sr_create',
      sr: this.srId,
      name: name || this.srId,
      disks: [...diskIds],
      at: this.ctx.now(),
    });
  }

  delete(): void {
    const sr = findSr(this.ctx, this.srId);
    const vdis = [...this.ctx.store.state.vdis.values()].filter((v) => v.sr === sr).map((v) => v.id);
    if (vdis.length)
      throw new XdcError(
        'ERR_CONFLICT',
        `disk group ${this.srId} still holds ${vdis.length} VDIs (${list(vdis)}); delete them first`,
      );
    if (sr.attachedHosts.size)
      throw new XdcError(
        'ERR_CONFLICT',
        `disk group ${this.srId} is attached on ${list(sr.attachedHosts)}; detach it first`,
      );
    this.ctx.store.commit({ t: 'sr_delete', sr: this.srId });
  }

  attach(hostId: string): void {
    checkId('host', hostId);
    const sr = findSr(this.ctx, this.srId);
    if (!sr.attachedHosts.has(hostId)) this.ctx.store.commit({ t: 'sr_attach', sr: this.srId, host: hostId });
  }

  detach(hostId: string): void {
    const sr = findSr(this.ctx, this.srId);
    if (!sr.attachedHosts.has(hostId)) return;
    const busy = [...this.ctx.store.state.vdis.values()].filter(
      (v) => v.sr === sr && v.kind !== 'snapshot' && v.attachedHosts.has(hostId),
    );
    if (busy.length)
      throw new XdcError(
        'ERR_CONFLICT',
        `disk group ${this.srId} cannot be detached from ${hostId}: ${list(busy.map((v) => v.id))} still attached there`,
      );
    this.ctx.store.commit({ t: 'sr_detach', sr: this.srId, host: hostId });
  }

  /** Re-counts the group: every byte is either free or held by exactly one VDI. */
  scan(): SrScanResult {
    const sr = findSr(this.ctx, this.srId);
    let used = 0;
    let vdis = 0;
    let snapshots = 0;
    for (const v of this.ctx.store.state.vdis.values()) {
      if (v.sr !== sr) continue;
      if (v.kind === 'snapshot') {
        snapshots++;
        used += v.map.size * CHUNK_BYTES;
      } else {
        vdis++;
        used += v.extents.reduce((s, e) => s + e.length, 0) + v.overlay.size * CHUNK_BYTES;
      }
    }
    const problems: string[] = [];
    if (used + sr.free.freeBytes !== sr.free.totalBytes)
      problems.push(
        `used ${used} + free ${sr.free.freeBytes} bytes does not add up to the group's ${sr.free.totalBytes} bytes`,
      );
    return {
      srId: sr.id,
      vdis,
      snapshots,
      sizeBytes: sr.free.totalBytes,
      freeBytes: sr.free.freeBytes,
      usedBytes: used,
      problems,
    };
  }
}
