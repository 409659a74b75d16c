/**
 * The data path of the shared storage: reads and writes of volumes, clones and snapshots on the
 * shared disks, with copy-on-write. Volume clients call it; the volume server builds it over its
 * metadata. It trusts nothing the caller believes about ownership: every I/O to a writable VDI
 * checks the authoritative `host_<id>=RW` tag, so a stale client is fenced.
 *
 * Live data of a thick volume is in place: reads never look at chunk maps, and a write looks at
 * one map (the newest snapshot's) per chunk it touches. The first write to a chunk after a
 * snapshot copies the old chunk to a fresh chunk, journals the mapping, and only then writes the
 * new data (copy -> journal -> write -> acknowledge), so a crash at any point loses at most the
 * unacknowledged write.
 */
import { XdcError } from '../errors';
import type { MetadataStore } from './metadata-store';
import type { ChunkLoc, SnapshotVdi, VdiState, VolumeExtent, WritableVdi } from './model';
import { CHUNK_BYTES, chunksIn, formatBytes } from './units';

/** What a volume client needs of the storage to do I/O. */
export interface VolumeDataPath {
  /** Reads a writable VDI the host owns, or any snapshot (snapshots need no owner). */
  /** `into` (when big enough) receives the bytes and a view of it is returned: no allocation. */
  read(vdiId: string, hostId: string, offset: number, length: number, into?: Buffer): Buffer;
  write(vdiId: string, hostId: string, offset: number, data: Uint8Array): void;
  flush(vdiId: string, hostId: string): void;
  sizeOf(vdiId: string): number;
  /** The authoritative owner (tag) of a writable VDI, or null. */
  ownerOf(vdiId: string): string | null;
  isSnapshot(vdiId: string): boolean;
}

export class VolumeIo implements VolumeDataPath {
  /** One scratch chunk for COW copies: no allocation per write. */
  private readonly scratch = Buffer.allocUnsafe(CHUNK_BYTES);

  constructor(
    private readonly store: MetadataStore,
    /** Called before a COW mapping is recorded: throws if the volume server cannot record it. */
    private readonly canRecord: () => void = () => undefined,
  ) {}

  read(vdiId: string, hostId: string, offset: number, length: number, into?: Buffer): Buffer {
    const v = this.find(vdiId);
    checkRange(v, 'read', offset, length);
    const buf = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    if (v.kind === 'snapshot') {
      this.readChunked(buf, offset, (c) => this.snapshotLoc(v, c));
      return buf;
    }
    checkOwner(v, hostId, 'read');
    if (v.kind === 'volume') readExtents(v.extents, buf, offset);
    else this.readChunked(buf, offset, (c) => this.cloneLoc(v, c));
    return buf;
  }

  write(vdiId: string, hostId: string, offset: number, data: Uint8Array): void {
    const v = this.find(vdiId);
    if (v.kind === 'snapshot')
      throw new XdcError(
        'ERR_CONFLICT',
        `${vdiId} is a snapshot: its content never changes, writes are refused`,
      );
    checkRange(v, 'write', offset, data.length);
    checkOwner(v, hostId, 'write');
    if (data.length === 0) return;
    const first = Math.floor(offset / CHUNK_BYTES);
    const last = Math.floor((offset + data.length - 1) / CHUNK_BYTES);
    const newest = v.snapshots[v.snapshots.length - 1];
    if (newest) {
      const end = Math.min(last, chunksIn(newest.sizeBytes) - 1);
      for (let c = first; c <= end; c++) if (!newest.map.has(c)) this.preserve(v, newest, c);
    }
    if (v.kind === 'volume') {
      writeExtents(v.extents, data, offset);
      return;
    }
    for (let c = first; c <= last; c++) if (!v.overlay.has(c)) this.materialize(v, c);
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const c = Math.floor(pos / CHUNK_BYTES);
      const inChunk = pos - c * CHUNK_BYTES;
      const n = Math.min(data.length - done, CHUNK_BYTES - inChunk);
      const loc = v.overlay.get(c)!;
      loc.disk.writeAt(data, done, n, loc.offset + inChunk);
      done += n;
    }
  }

  flush(vdiId: string, hostId: string): void {
    const v = this.find(vdiId);
    if (v.kind !== 'snapshot') checkOwner(v, hostId, 'flush');
    for (const id of v.sr.diskIds) this.store.disks.get(id).fsync();
    this.store.sync();
  }

  sizeOf(vdiId: string): number {
    return this.find(vdiId).sizeBytes;
  }

  ownerOf(vdiId: string): string | null {
    const v = this.find(vdiId);
    return v.kind === 'snapshot' ? null : v.owner;
  }

  isSnapshot(vdiId: string): boolean {
    return this.find(vdiId).kind === 'snapshot';
  }

  /** Bytes of a VDI's view as it is now (for scans and shrink checks): no owner needed. */
  peek(vdiId: string, offset: number, length: number): Buffer {
    const v = this.find(vdiId);
    checkRange(v, 'read', offset, length);
    const buf = Buffer.allocUnsafe(length);
    if (v.kind === 'volume') readExtents(v.extents, buf, offset);
    else
      this.readChunked(buf, offset, (c) =>
        v.kind === 'snapshot' ? this.snapshotLoc(v, c) : this.cloneLoc(v, c),
      );
    return buf;
  }

  private find(vdiId: string): VdiState {
    const v = this.store.state.vdis.get(vdiId);
    if (!v || (v.kind !== 'snapshot' && v.deleted))
      throw new XdcError('ERR_NOT_FOUND', `volume ${vdiId} does not exist`);
    return v;
  }

  /** The snapshot's view of chunk c: its map, then newer snapshots' maps, then the live parent. */
  private snapshotLoc(s: SnapshotVdi, c: number): ChunkLoc | null {
    if (c >= chunksIn(s.sizeBytes)) return null;
    const chain = s.parent.snapshots;
    for (let i = chain.indexOf(s); i < chain.length; i++) {
      const m = chain[i]!.map.get(c);
      if (m) return m;
    }
    return this.liveLoc(s.parent, c);
  }

  private cloneLoc(v: WritableVdi, c: number): ChunkLoc | null {
    return v.overlay.get(c) ?? (v.base ? this.snapshotLoc(v.base, c) : null);
  }

  private liveLoc(v: WritableVdi, c: number): ChunkLoc | null {
    if (v.kind === 'clone') return this.cloneLoc(v, c);
    const pos = c * CHUNK_BYTES;
    if (pos >= v.sizeBytes) return null;
    const e = v.extents[findExtent(v.extents, pos)]!;
    return { disk: e.disk, offset: e.offset + (pos - e.logical) };
  }

  /** Fills `buf` from per-chunk locations, one pread per physically contiguous run. */
  private readChunked(buf: Buffer, offset: number, locate: (c: number) => ChunkLoc | null): void {
    let runDisk: ChunkLoc['disk'] | null = null;
    let runPos = 0;
    let runLen = 0;
    let runAt = 0;
    const flushRun = () => {
      if (runDisk && runLen > 0) runDisk.readAt(buf, runAt, runLen, runPos);
      runDisk = null;
      runLen = 0;
    };
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const c = Math.floor(pos / CHUNK_BYTES);
      const inChunk = pos - c * CHUNK_BYTES;
      const n = Math.min(buf.length - done, CHUNK_BYTES - inChunk);
      const loc = locate(c);
      if (!loc) {
        flushRun();
        buf.fill(0, done, done + n);
      } else if (runDisk === loc.disk && runPos + runLen === loc.offset + inChunk) {
        runLen += n;
      } else {
        flushRun();
        runDisk = loc.disk;
        runPos = loc.offset + inChunk;
        runLen = n;
        runAt = done;
      }
      done += n;
    }
    flushRun();
  }

  /** COW: keep chunk c's current content for the newest snapshot before it is overwritten. */
  private preserve(v: WritableVdi, snap: SnapshotVdi, c: number): void {
    this.canRecord();
    const loc = this.planChunk(v, `keep snapshot ${snap.id}'s copy of ${v.id}`);
    this.fillScratch(this.liveLoc(v, c));
    loc.disk.writeAt(this.scratch, 0, CHUNK_BYTES, loc.offset);
    this.store.commit({ t: 'chunk', owner: snap.id, c, d: loc.disk.id, o: loc.offset });
  }

  /** A clone's first write to chunk c: its own chunk, filled with what it read through to. */
  private materialize(v: WritableVdi, c: number): void {
    this.canRecord();
    const loc = this.planChunk(v, `give clone ${v.id} its own copy of a chunk`);
    this.fillScratch(v.base ? this.snapshotLoc(v.base, c) : null);
    loc.disk.writeAt(this.scratch, 0, CHUNK_BYTES, loc.offset);
    this.store.commit({ t: 'chunk', owner: v.id, c, d: loc.disk.id, o: loc.offset });
  }

  private fillScratch(from: ChunkLoc | null): void {
    if (from) from.disk.readAt(this.scratch, 0, CHUNK_BYTES, from.offset);
    else this.scratch.fill(0);
  }

  private planChunk(v: WritableVdi, why: string): ChunkLoc {
    const e = v.sr.free.planChunk();
    if (!e)
      throw new XdcError(
        'ERR_NO_SPACE',
        `disk group ${v.sr.id} is full: no free ${formatBytes(CHUNK_BYTES)} chunk to ${why}; the write was refused (delete a snapshot or add a disk)`,
      );
    return { disk: this.store.disks.get(e.diskId), offset: e.offset };
  }
}

function checkOwner(v: WritableVdi, hostId: string, what: string): void {
  if (v.owner !== hostId)
    throw new XdcError(
      'ERR_NOT_OWNER',
      v.owner
        ? `host ${hostId} does not own volume ${v.id} (the volume server's tag is host_${v.owner}=RW); ${what} refused`
        : `host ${hostId} does not own volume ${v.id} (no host holds it); ${what} refused`,
    );
}

function checkRange(v: VdiState, what: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
    throw new XdcError('ERR_BAD_REQUEST', `${what} of ${v.id}: offset and length must be whole numbers >= 0`);
  if (offset + length > v.sizeBytes)
    throw new XdcError(
      'ERR_BAD_REQUEST',
      `${what} of ${length} bytes at ${offset} goes past the end of ${v.id} (${formatBytes(v.sizeBytes)})`,
    );
}

/** Index of the extent holding logical byte `pos` (volumes have few extents). */
function findExtent(extents: VolumeExtent[], pos: number): number {
  if (extents.length <= 8) {
    for (let i = extents.length - 1; i > 0; i--) if (extents[i]!.logical <= pos) return i;
    return 0;
  }
  let lo = 0;
  let hi = extents.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (extents[mid]!.logical <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Walks the pieces of [offset, offset + length) across a volume's extents (which may span
 * disks): one call per contiguous piece, so a 1 MiB I/O is one or two preads/pwrites.
 */
function forEachPiece(
  extents: VolumeExtent[],
  offset: number,
  length: number,
  io: (e: VolumeExtent, done: number, n: number, diskOffset: number) => void,
): void {
  let i = findExtent(extents, offset);
  let done = 0;
  while (done < length) {
    const e = extents[i++]!;
    const inE = offset + done - e.logical;
    const n = Math.min(length - done, e.length - inE);
    io(e, done, n, e.offset + inE);
    done += n;
  }
}

function readExtents(extents: VolumeExtent[], buf: Buffer, offset: number): void {
  forEachPiece(extents, offset, buf.length, (e, done, n, at) => e.disk.readAt(buf, done, n, at));
}

function writeExtents(extents: VolumeExtent[], data: Uint8Array, offset: number): void {
  forEachPiece(extents, offset, data.length, (e, done, n, at) => e.disk.writeAt(data, done, n, at));
}
