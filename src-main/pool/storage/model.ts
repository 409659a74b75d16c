/**
 * The in-memory storage metadata (what VxVM keeps in a disk group's private region): disk
 * groups (SRs) and their VDIs — thick volumes, thin clones and the copy-on-write snapshots of
 * both. Only `applyRecord` (records.ts) changes it, for live operations and journal replay
 * alike, so a reopened lab rebuilds exactly the state that was acknowledged.
 *
 * Runtime objects hold direct references (disk objects, parent/base VDIs) so the data path
 * resolves a block with a Map lookup or two, never by id searches.
 */
import type { SharedDisk } from './disk';
import type { FreeSpace } from './free-space';
import { SpaceHistory } from './space-history';

/** Where one 64 KiB chunk lives on the shared disks. */
export interface ChunkLoc {
  disk: SharedDisk;
  offset: number;
}

/** A piece of a thick volume: logical bytes [logical, logical+length) live at disk:offset. */
export interface VolumeExtent {
  disk: SharedDisk;
  offset: number;
  length: number;
  logical: number;
}

export interface SrState {
  id: string;
  name: string;
  diskIds: string[];
  free: FreeSpace;
  attachedHosts: Set<string>;
  createdAt: number;
}

interface VdiCommon {
  id: string;
  name: string;
  sr: SrState;
  sizeBytes: number;
  createdAt: number;
}

/**
 * A writable VDI: a thick volume (data in place in `extents`) or a thin clone (an overlay of
 * its own chunks over a snapshot's view). Both carry their snapshot chain, oldest first.
 */
export interface WritableVdi extends VdiCommon {
  kind: 'volume' | 'clone';
  extents: VolumeExtent[];
  overlay: Map<number, ChunkLoc>;
  base: SnapshotVdi | null;
  snapshots: SnapshotVdi[];
  attachedHosts: Set<string>;
  /** The host holding the `host_<id>=RW` tag, or null. */
  owner: string | null;
  /** Deleted by the user but kept as the frozen backing of its snapshots. */
  deleted: boolean;
}

export interface SnapshotVdi extends VdiCommon {
  kind: 'snapshot';
  parent: WritableVdi;
  /** Chunks changed in the parent while this was the newest snapshot: their old content. */
  map: Map<number, ChunkLoc>;
  setId: string | null;
  consistency: 'application' | 'crash';
  /** Taken by vdi_clone of a volume: removed with its last clone. */
  internal: boolean;
}

export type VdiState = WritableVdi | SnapshotVdi;

export interface StorageState {
  srs: Map<string, SrState>;
  vdis: Map<string, VdiState>;
  /** Disk space ever handed out, by any group: only it may hold stale bytes (scrub.ts). */
  history: SpaceHistory;
}

export function emptyState(): StorageState {
  return { srs: new Map(), vdis: new Map(), history: new SpaceHistory() };
}

/** Clones (live or kept as backing) whose base is `snap`: they forbid deleting it. */
export function dependentClones(state: StorageState, snap: SnapshotVdi): WritableVdi[] {
  const out: WritableVdi[] = [];
  for (const v of state.vdis.values()) if (v.kind === 'clone' && v.base === snap) out.push(v);
  return out;
}
