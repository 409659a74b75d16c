/**
 * Read-only views of the storage for the rest of the lab (topology, DCLI, the central server's
 * inventory): disk groups with free space, volumes with owners, extents' disks and snapshots,
 * snapshots with the COW bytes they hold. Plain data, safe to serialise.
 */

import type { Extent } from '../storage/free-space';
import type { SnapshotVdi, SrState, StorageState, WritableVdi } from '../storage/model';
import { dependentClones } from '../storage/model';
import type { SharedDisks } from '../storage/shared-disks';
import { CHUNK_BYTES } from '../storage/units';

export interface DiskInfoView {
  id: string;
  sizeBytes: number;
  state: 'ok' | 'failed';
  diskGroupId: string | null;
}

export interface DiskGroupInfo {
  id: string;
  name: string;
  diskIds: string[];
  sizeBytes: number;
  freeBytes: number;
  freeBytesByDisk: Record<string, number>;
  attachedHosts: string[];
  createdAt: number;
}

export interface SnapshotInfo {
  id: string;
  name: string;
  diskGroupId: string;
  parentId: string;
  /** The parent was deleted; it is kept only as this snapshot's backing. */
  parentDeleted: boolean;
  sizeBytes: number;
  createdAt: number;
  /** Bytes of old data this snapshot holds (64 KiB per chunk copied on write). */
  cowBytes: number;
  setId: string | null;
  consistency: 'application' | 'crash';
  internal: boolean;
  clones: string[];
}

export interface VolumeInfo {
  id: string;
  name: string;
  kind: 'volume' | 'clone';
  diskGroupId: string;
  sizeBytes: number;
  ownerHostId: string | null;
  /** The ownership tag as the SM writes it: `host_<hostId>=RW`. */
  ownerTag: string | null;
  attachedHosts: string[];
  /** Disks holding any of its bytes (extents, or a clone's own chunks). */
  diskIds: string[];
  extents: Extent[];
  /** Clone only: the snapshot it reads through to. */
  baseSnapshotId: string | null;
  /** Space the VDI itself holds: its extents (volume) or its own chunks (clone). */
  allocatedBytes: number;
  /** Space its snapshots hold in COW chunks. */
  snapshotBytes: number;
  snapshots: SnapshotInfo[];
  createdAt: number;
}

export function diskGroupInfo(sr: SrState): DiskGroupInfo {
  return {
    id: sr.id,
    name: sr.name,
    diskIds: [...sr.diskIds],
    sizeBytes: sr.free.totalBytes,
    freeBytes: sr.free.freeBytes,
    freeBytesByDisk: Object.fromEntries(sr.free.freeByDisk()),
    attachedHosts: [...sr.attachedHosts].sort(),
    createdAt: sr.createdAt,
  };
}

export function snapshotInfo(state: StorageState, s: SnapshotVdi): SnapshotInfo {
  return {
    id: s.id,
    name: s.name,
    diskGroupId: s.sr.id,
    parentId: s.parent.id,
    parentDeleted: s.parent.deleted,
    sizeBytes: s.sizeBytes,
    createdAt: s.createdAt,
    cowBytes: s.map.size * CHUNK_BYTES,
    setId: s.setId,
    consistency: s.consistency,
    internal: s.internal,
    clones: dependentClones(state, s).map((c) => c.id),
  };
}

export function volumeInfo(state: StorageState, v: WritableVdi): VolumeInfo {
  const disks = new Set<string>();
  for (const e of v.extents) disks.add(e.disk.id);
  for (const loc of v.overlay.values()) disks.add(loc.disk.id);
  const snapshots = v.snapshots.map((s) => snapshotInfo(state, s));
  return {
    id: v.id,
    name: v.name,
    kind: v.kind,
    diskGroupId: v.sr.id,
    sizeBytes: v.sizeBytes,
    ownerHostId: v.owner,
    ownerTag: v.owner ? `host_${v.owner}=RW` : null,
    attachedHosts: [...v.attachedHosts].sort(),
    diskIds: v.sr.diskIds.filter((d) => disks.has(d)),
    extents: v.extents.map((e) => ({ diskId: e.disk.id, offset: e.offset, length: e.length })),
    baseSnapshotId: v.base?.id ?? null,
    allocatedBytes: v.extents.reduce((s, e) => s + e.length, 0) + v.overlay.size * CHUNK_BYTES,
    snapshotBytes: snapshots.reduce((s, x) => s + x.cowBytes, 0),
    snapshots,
    createdAt: v.createdAt,
  };
}

export function diskInfos(disks: SharedDisks, state: StorageState): DiskInfoView[] {
  const groupOf = new Map<string, string>();
  for (const sr of state.srs.values()) for (const d of sr.diskIds) groupOf.set(d, sr.id);
  return disks.list().map((d) => ({
    id: d.id,
    sizeBytes: d.sizeBytes,
    state: d.state,
    diskGroupId: groupOf.get(d.id) ?? null,
  }));
}
