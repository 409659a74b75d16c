/**
 * Metadata records: one per storage-manager operation and one per copy-on-write chunk mapping.
 * A record is journaled BEFORE it is applied; `applyRecord` is the only code that changes the
 * storage state, so live operation and journal replay cannot disagree. Records carry every
 * decision (extents chosen, chunk places, timestamps): replay never re-decides anything.
 */
import { z } from 'zod';
import { XdcError } from '../errors';
import { FreeSpace } from './free-space';
import type { ChunkLoc, SnapshotVdi, StorageState, VolumeExtent, WritableVdi } from './model';
import { dependentClones } from './model';
import type { SharedDisks } from './shared-disks';
import { CHUNK_BYTES, chunksIn } from './units';

const Id = z.string().min(1).max(128);
/** [diskId, offset, length] */
export const ExtentTuple = z.tuple([Id, z.number().int().min(0), z.number().int().positive()]);
export type ExtentTuple = z.infer<typeof ExtentTuple>;

const hostOp = <T extends string>(t: T) => z.object({ t: z.literal(t), vdi: Id, host: Id });

export const StorageRecord = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('sr_create'),
    sr: Id,
    name: z.string(),
    disks: z.array(Id).min(1),
    at: z.number(),
  }),
  z.object({ t: z.literal('sr_delete'), sr: Id }),
  z.object({ t: z.literal('sr_attach'), sr: Id, host: Id }),
  z.object({ t: z.literal('sr_detach'), sr: Id, host: Id }),
  z.object({
    t: z.literal('vdi_create'),
    vdi: Id,
    sr: Id,
    name: z.string(),
    size: z.number().int().positive(),
    extents: z.array(ExtentTuple),
    at: z.number(),
  }),
  z.object({ t: z.literal('vdi_delete'), vdi: Id }),
  z.object({
    t: z.literal('vdi_resize'),
    vdi: Id,
    size: z.number().int().positive(),
    extents: z.array(ExtentTuple),
  }),
  z.object({
    t: z.literal('vdi_snapshot'),
    vdi: Id,
    snap: Id,
    name: z.string(),
    at: z.number(),
    setId: z.string().nullable(),
    consistency: z.enum(['application', 'crash']),
    internal: z.boolean(),
  }),
  z.object({ t: z.literal('vdi_clone'), clone: Id, base: Id, name: z.string(), at: z.number() }),
  hostOp('vdi_attach'),
  hostOp('vdi_detach'),
  hostOp('vdi_activate'),
  hostOp('vdi_deactivate'),
  /** A chunk mapped into a snapshot's map (COW) or into a clone's overlay (first write). */
  z.object({
    t: z.literal('chunk'),
    owner: Id,
    c: z.number().int().min(0),
    d: Id,
    o: z.number().int().min(0),
  }),
]);
export type StorageRecord = z.infer<typeof StorageRecord>;

/** Applies one record. Throws (ERR_LAB_CORRUPT) only if the record does not fit the state. */
export function applyRecord(state: StorageState, disks: SharedDisks, r: StorageRecord): void {
  switch (r.t) {
    case 'sr_create': {
      const sizes = r.disks.map((id) => ({ id, sizeBytes: diskOf(disks, id).sizeBytes }));
      state.srs.set(r.sr, {
        id: r.sr,
        name: r.name,
        diskIds: [...r.disks],
        free: new FreeSpace(sizes, state.history),
        attachedHosts: new Set(),
        createdAt: r.at,
      });
      return;
    }
    case 'sr_delete':
      state.srs.delete(r.sr);
      return;
    case 'sr_attach':
      sr(state, r.sr).attachedHosts.add(r.host);
      return;
    case 'sr_detach':
      sr(state, r.sr).attachedHosts.delete(r.host);
      return;
    case 'vdi_create': {
      const group = sr(state, r.sr);
      const v: WritableVdi = {
        kind: 'volume',
        id: r.vdi,
        name: r.name,
        sr: group,
        sizeBytes: r.size,
        createdAt: r.at,
        extents: [],
        overlay: new Map(),
        base: null,
        snapshots: [],
        attachedHosts: new Set(),
        owner: null,
        deleted: false,
      };
      appendExtents(v, disks, r.extents);
      state.vdis.set(v.id, v);
      return;
    }
    case 'vdi_delete': {
      const v = vdi(state, r.vdi);
      if (v.kind === 'snapshot') deleteSnapshot(state, v);
      else if (v.snapshots.length > 0) {
        v.deleted = true;
        v.owner = null;
        v.attachedHosts.clear();
      } else freeWritable(state, v);
      return;
    }
    case 'vdi_resize': {
      const v = writable(state, r.vdi);
      if (r.size >= v.sizeBytes) {
        appendExtents(v, disks, r.extents);
      } else if (v.kind === 'volume') {
        trimExtents(v, r.size);
      } else {
        const limit = chunksIn(r.size);
        for (const [c, loc] of v.overlay) {
          if (c >= limit) {
            v.overlay.delete(c);
            freeChunk(v, loc);
          }
        }
      }
      v.sizeBytes = r.size;
      return;
    }
    case 'vdi_snapshot': {
      const v = writable(state, r.vdi);
      const s: SnapshotVdi = {
        kind: 'snapshot',
        id: r.snap,
        name: r.name,
        sr: v.sr,
        sizeBytes: v.sizeBytes,
        createdAt: r.at,
        parent: v,
        map: new Map(),
        setId: r.setId,
        consistency: r.consistency,
        internal: r.internal,
      };
      v.snapshots.push(s);
      state.vdis.set(s.id, s);
      return;
    }
    case 'vdi_clone': {
      const base = vdi(state, r.base);
      if (base.kind !== 'snapshot')
        throw corrupt(`clone ${r.clone} names ${r.base}, which is not a snapshot`);
      state.vdis.set(r.clone, {
        kind: 'clone',
        id: r.clone,
        name: r.name,
        sr: base.sr,
        sizeBytes: base.sizeBytes,
        createdAt: r.at,
        extents: [],
        overlay: new Map(),
        base,
        snapshots: [],
        attachedHosts: new Set(),
        owner: null,
        deleted: false,
      });
      return;
    }
    case 'vdi_attach':
      writable(state, r.vdi).attachedHosts.add(r.host);
      return;
    case 'vdi_detach':
      writable(state, r.vdi).attachedHosts.delete(r.host);
      return;
    case 'vdi_activate':
      writable(state, r.vdi).owner = r.host;
      return;
    case 'vdi_deactivate': {
      const v = writable(state, r.vdi);
      if (v.owner === r.host) v.owner = null;
      return;
    }
    case 'chunk': {
      const owner = vdi(state, r.owner);
      const loc: ChunkLoc = { disk: diskOf(disks, r.d), offset: r.o };
      owner.sr.free.reserve({ diskId: r.d, offset: r.o, length: CHUNK_BYTES });
      if (owner.kind === 'snapshot') owner.map.set(r.c, loc);
      else owner.overlay.set(r.c, loc);
      return;
    }
  }
}

/**
 * Deleting a snapshot hands its chunks to the next-older snapshot when that one lacks them
 * (it used to read through this one), and frees the rest. A parent deleted earlier and kept
 * only as backing goes with its last snapshot; an internal clone base goes with its last clone.
 */
function deleteSnapshot(state: StorageState, s: SnapshotVdi): void {
  const chain = s.parent.snapshots;
  const i = chain.indexOf(s);
  const older = i > 0 ? chain[i - 1] : undefined;
  const olderChunks = older ? chunksIn(older.sizeBytes) : 0;
  for (const [c, loc] of s.map) {
    if (older && c < olderChunks && !older.map.has(c)) older.map.set(c, loc);
    else freeChunk(s, loc);
  }
  s.map.clear();
  chain.splice(i, 1);
  state.vdis.delete(s.id);
  if (s.parent.deleted && chain.length === 0) freeWritable(state, s.parent);
}

function freeWritable(state: StorageState, v: WritableVdi): void {
  for (const e of v.extents) v.sr.free.release({ diskId: e.disk.id, offset: e.offset, length: e.length });
  v.extents = [];
  for (const loc of v.overlay.values()) freeChunk(v, loc);
  v.overlay.clear();
  state.vdis.delete(v.id);
  const base = v.base;
  v.base = null;
  if (base?.internal && state.vdis.has(base.id) && dependentClones(state, base).length === 0)
    deleteSnapshot(state, base);
}

function freeChunk(owner: { sr: { free: FreeSpace } }, loc: ChunkLoc): void {
  owner.sr.free.release({ diskId: loc.disk.id, offset: loc.offset, length: CHUNK_BYTES });
}

function appendExtents(v: WritableVdi, disks: SharedDisks, tuples: ExtentTuple[]): void {
  let logical = v.extents.reduce((s, e) => s + e.length, 0);
  for (const [diskId, offset, length] of tuples) {
    v.sr.free.reserve({ diskId, offset, length });
    const disk = diskOf(disks, diskId);
    const last = v.extents[v.extents.length - 1];
    if (last && last.disk === disk && last.offset + last.length === offset) last.length += length;
    else v.extents.push({ disk, offset, length, logical });
    logical += length;
  }
}

/** Gives back the tail of a thick volume beyond `size` bytes. */
function trimExtents(v: WritableVdi, size: number): void {
  const keep: VolumeExtent[] = [];
  for (const e of v.extents) {
    if (e.logical >= size) {
      v.sr.free.release({ diskId: e.disk.id, offset: e.offset, length: e.length });
    } else if (e.logical + e.length > size) {
      const cut = e.logical + e.length - size;
      v.sr.free.release({ diskId: e.disk.id, offset: e.offset + e.length - cut, length: cut });
      keep.push({ ...e, length: e.length - cut });
    } else keep.push(e);
  }
  v.extents = keep;
}

function diskOf(disks: SharedDisks, id: string) {
  if (!disks.has(id))
    throw corrupt(`the metadata names disk ${id}, but its file is missing from the lab's disks folder`);
  return disks.get(id);
}

function sr(state: StorageState, id: string) {
  const s = state.srs.get(id);
  if (!s) throw corrupt(`disk group ${id} is not known`);
  return s;
}

function vdi(state: StorageState, id: string) {
  const v = state.vdis.get(id);
  if (!v) throw corrupt(`VDI ${id} is not known`);
  return v;
}

function writable(state: StorageState, id: string): WritableVdi {
  const v = vdi(state, id);
  if (v.kind === 'snapshot') throw corrupt(`VDI ${id} is a snapshot where a volume was expected`);
  return v;
}

function corrupt(what: string): XdcError {
  return new XdcError('ERR_LAB_CORRUPT', what);
}
