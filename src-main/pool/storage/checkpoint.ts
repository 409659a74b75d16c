/**
 * The metadata checkpoint `<labDir>/storage/metadata.json`: the whole storage state at journal
 * sequence `seq`, written atomically (tmp + fsync + rename) so a crash leaves the old or the
 * new one. Free space is not stored: it is rebuilt from what the volumes and snapshots use,
 * which also catches two objects claiming the same bytes. The space history (which disk bytes
 * were ever handed out, so may hold stale data) is stored: freed space looks like any other.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { asXdcError, XdcError } from '../errors';
import { readLabJson, writeFileAtomic } from '../lab';
import { FreeSpace } from './free-space';
import type { ChunkLoc, SnapshotVdi, StorageState, VolumeExtent, WritableVdi } from './model';
import { emptyState } from './model';
import { ExtentTuple } from './records';
import type { SharedDisks } from './shared-disks';
import { CHUNK_BYTES } from './units';

export const CHECKPOINT_FORMAT = 'xdc-storage/1';

const Id = z.string().min(1).max(128);
/** [chunk, diskId, offset] */
const ChunkTuple = z.tuple([z.number().int().min(0), Id, z.number().int().min(0)]);
type ChunkTuple = z.infer<typeof ChunkTuple>;

const SnapshotJson = z.object({
  id: Id,
  name: z.string(),
  size: z.number().int().positive(),
  at: z.number(),
  map: z.array(ChunkTuple),
  setId: z.string().nullable(),
  consistency: z.enum(['application', 'crash']),
  internal: z.boolean(),
});

const WritableJson = z.object({
  kind: z.enum(['volume', 'clone']),
  id: Id,
  name: z.string(),
  sr: Id,
  size: z.number().int().positive(),
  at: z.number(),
  extents: z.array(ExtentTuple),
  overlay: z.array(ChunkTuple),
  base: Id.nullable(),
  attached: z.array(Id),
  owner: Id.nullable(),
  deleted: z.boolean(),
  snapshots: z.array(SnapshotJson),
});

const CheckpointJson = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  seq: z.number().int().min(0),
  srs: z.array(
    z.object({ id: Id, name: z.string(), disks: z.array(Id), attached: z.array(Id), at: z.number() }),
  ),
  vdis: z.array(WritableJson),
  /** Disk ranges ever handed out (space-history.ts); absent in checkpoints older than it. */
  history: z.array(ExtentTuple).optional(),
});
type CheckpointJson = z.infer<typeof CheckpointJson>;

export function writeCheckpoint(path: string, state: StorageState, seq: number): void {
  const cp: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    seq,
    srs: [...state.srs.values()].map((s) => ({
      id: s.id,
      name: s.name,
      disks: s.diskIds,
      attached: [...s.attachedHosts],
      at: s.createdAt,
    })),
    vdis: [],
    history: state.history.ranges().map((e) => [e.diskId, e.offset, e.length]),
  };
  for (const v of state.vdis.values()) {
    if (v.kind === 'snapshot') continue;
    cp.vdis.push({
      kind: v.kind,
      id: v.id,
      name: v.name,
      sr: v.sr.id,
      size: v.sizeBytes,
      at: v.createdAt,
      extents: v.extents.map((e) => [e.disk.id, e.offset, e.length]),
      overlay: mapToJson(v.overlay),
      base: v.base?.id ?? null,
      attached: [...v.attachedHosts],
      owner: v.owner,
      deleted: v.deleted,
      snapshots: v.snapshots.map((s) => ({
        id: s.id,
        name: s.name,
        size: s.sizeBytes,
        at: s.createdAt,
        map: mapToJson(s.map),
        setId: s.setId,
        consistency: s.consistency,
        internal: s.internal,
      })),
    });
  }
  writeFileAtomic(path, JSON.stringify(cp));
}

/** Loads the checkpoint, or an empty state at seq 0 if there is none yet. */
export function readCheckpoint(path: string, disks: SharedDisks): { state: StorageState; seq: number } {
  if (!existsSync(path)) return { state: emptyState(), seq: 0 };
  const cp = readLabJson(path, CheckpointJson, 'storage checkpoint');
  try {
    return { state: build(cp, disks), seq: cp.seq };
  } catch (e) {
    const x = asXdcError(e, 'ERR_LAB_CORRUPT');
    throw new XdcError('ERR_LAB_CORRUPT', `${path}: ${x.message}; the lab was not opened`);
  }
}

function build(cp: CheckpointJson, disks: SharedDisks): StorageState {
  const state = emptyState();
  const disk = (id: string) => {
    if (!disks.has(id)) throw new XdcError('ERR_LAB_CORRUPT', `names disk ${id}, whose file is missing`);
    return disks.get(id);
  };
  for (const s of cp.srs) {
    state.srs.set(s.id, {
      id: s.id,
      name: s.name,
      diskIds: s.disks,
      free: new FreeSpace(
        s.disks.map((id) => ({ id, sizeBytes: disk(id).sizeBytes })),
        state.history,
      ),
      attachedHosts: new Set(s.attached),
      createdAt: s.at,
    });
  }
  // A checkpoint without history cannot tell freed space from never-used space: every byte of
  // every disk counts as used, so new volumes are scrubbed rather than shown stale bytes.
  if (cp.history)
    for (const [diskId, offset, length] of cp.history) state.history.mark({ diskId, offset, length });
  else for (const d of disks.list()) state.history.mark({ diskId: d.id, offset: 0, length: d.sizeBytes });
  const bases: Array<[WritableVdi, string]> = [];
  for (const w of cp.vdis) {
    const sr = state.srs.get(w.sr);
    if (!sr) throw new XdcError('ERR_LAB_CORRUPT', `VDI ${w.id} names unknown disk group ${w.sr}`);
    const chunks = (tuples: ChunkTuple[]): Map<number, ChunkLoc> => {
      const m = new Map<number, ChunkLoc>();
      for (const [c, d, o] of tuples) {
        sr.free.reserve({ diskId: d, offset: o, length: CHUNK_BYTES });
        m.set(c, { disk: disk(d), offset: o });
      }
      return m;
    };
    const extents: VolumeExtent[] = [];
    let logical = 0;
    for (const [d, o, l] of w.extents) {
      sr.free.reserve({ diskId: d, offset: o, length: l });
      extents.push({ disk: disk(d), offset: o, length: l, logical });
      logical += l;
    }
    const v: WritableVdi = {
      kind: w.kind,
      id: w.id,
      name: w.name,
      sr,
      sizeBytes: w.size,
      createdAt: w.at,
      extents,
      overlay: chunks(w.overlay),
      base: null,
      snapshots: [],
      attachedHosts: new Set(w.attached),
      owner: w.owner,
      deleted: w.deleted,
    };
    if (state.vdis.has(v.id)) throw new XdcError('ERR_LAB_CORRUPT', `VDI ${v.id} appears twice`);
    state.vdis.set(v.id, v);
    if (w.base) bases.push([v, w.base]);
    for (const s of w.snapshots) {
      const snap: SnapshotVdi = {
        kind: 'snapshot',
        id: s.id,
        name: s.name,
        sr,
        sizeBytes: s.size,
        createdAt: s.at,
        parent: v,
        map: chunks(s.map),
        setId: s.setId,
        consistency: s.consistency,
        internal: s.internal,
      };
      if (state.vdis.has(snap.id)) throw new XdcError('ERR_LAB_CORRUPT', `VDI ${snap.id} appears twice`);
      v.snapshots.push(snap);
      state.vdis.set(snap.id, snap);
    }
  }
  for (const [clone, baseId] of bases) {
    const base = state.vdis.get(baseId);
    if (base?.kind !== 'snapshot')
      throw new XdcError(
        'ERR_LAB_CORRUPT',
        `clone ${clone.id} names base ${baseId}, which is not a snapshot`,
      );
    clone.base = base;
  }
  return state;
}

function mapToJson(m: Map<number, ChunkLoc>): ChunkTuple[] {
  const out: ChunkTuple[] = [];
  for (const [c, loc] of m) out.push([c, loc.disk.id, loc.offset]);
  return out;
}
