/**
 * The free-extent map of one disk group: per disk, a sorted list of free ranges. Volumes take
 * space first-fit in the group's disk order (one hole that fits, else fill holes in order, so a
 * volume may span disks); copy-on-write chunks take the last free 64 KiB so they do not chop up
 * the space volumes will want. `plan*` never mutates: the caller journals the plan first and
 * then applies it with `reserve`, which is also what journal replay calls.
 */
import { XdcError } from '../errors';
import { lastStartingAtOrBefore, SpaceHistory } from './space-history';
import { CHUNK_BYTES } from './units';

export interface Extent {
  diskId: string;
  offset: number;
  length: number;
}

interface Hole {
  offset: number;
  length: number;
}

export class FreeSpace {
  private readonly holes = new Map<string, Hole[]>();
  private readonly order: string[];
  private freeTotal = 0;
  readonly totalBytes: number;

  /**
   * `disks` in the group's order; a disk's usable size is rounded down to whole chunks.
   * `history` (shared by all groups of the lab) learns every range this group hands out.
   */
  constructor(
    disks: ReadonlyArray<{ id: string; sizeBytes: number }>,
    readonly history: SpaceHistory = new SpaceHistory(),
  ) {
    this.order = disks.map((d) => d.id);
    let total = 0;
    for (const d of disks) {
      const usable = Math.floor(d.sizeBytes / CHUNK_BYTES) * CHUNK_BYTES;
      this.holes.set(d.id, usable > 0 ? [{ offset: 0, length: usable }] : []);
      total += usable;
    }
    this.totalBytes = total;
    this.freeTotal = total;
  }

  get freeBytes(): number {
    return this.freeTotal;
  }

  /** Bytes free on each disk (for views and scans). */
  freeByDisk(): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of this.order)
      out.set(
        id,
        (this.holes.get(id) ?? []).reduce((s, h) => s + h.length, 0),
      );
    return out;
  }

  /** Where a volume of `bytes` would go, or null if the group cannot hold it. */
  planVolume(bytes: number): Extent[] | null {
    if (bytes > this.freeTotal) return null;
    for (const id of this.order) {
      for (const h of this.holes.get(id)!) {
        if (h.length >= bytes) return [{ diskId: id, offset: h.offset, length: bytes }];
      }
    }
    const out: Extent[] = [];
    let left = bytes;
    for (const id of this.order) {
      for (const h of this.holes.get(id)!) {
        const take = Math.min(left, h.length);
        const prev = out[out.length - 1];
        if (prev && prev.diskId === id && prev.offset + prev.length === h.offset) prev.length += take;
        else out.push({ diskId: id, offset: h.offset, length: take });
        left -= take;
        if (left === 0) return out;
      }
    }
    return null;
  }

  /** Where the next copy-on-write chunk would go: the last free chunk of the group. */
  planChunk(): Extent | null {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const id = this.order[i]!;
      const list = this.holes.get(id)!;
      const h = list[list.length - 1];
      if (h) return { diskId: id, offset: h.offset + h.length - CHUNK_BYTES, length: CHUNK_BYTES };
    }
    return null;
  }

  /** Marks a range used. It must be free: anything else means the metadata is inconsistent. */
  reserve(e: Extent): void {
    const list = this.list(e.diskId);
    const i = lastStartingAtOrBefore(list, e.offset);
    const h = i >= 0 ? list[i] : undefined;
    if (!h || e.offset + e.length > h.offset + h.length)
      throw new XdcError(
        'ERR_LAB_CORRUPT',
        `disk ${e.diskId}: range ${e.offset}+${e.length} is not free (used twice in the storage metadata)`,
      );
    const before: Hole = { offset: h.offset, length: e.offset - h.offset };
    const after: Hole = { offset: e.offset + e.length, length: h.offset + h.length - e.offset - e.length };
    const repl = [before, after].filter((x) => x.length > 0);
    list.splice(i, 1, ...repl);
    this.freeTotal -= e.length;
    this.history.mark(e);
  }

  /** Returns a range to the free list, merging with its neighbours. */
  release(e: Extent): void {
    const list = this.list(e.diskId);
    let i = lastStartingAtOrBefore(list, e.offset);
    const prev = i >= 0 ? list[i] : undefined;
    const next = list[i + 1];
    if ((prev && prev.offset + prev.length > e.offset) || (next && e.offset + e.length > next.offset))
      throw new XdcError('ERR_LAB_CORRUPT', `disk ${e.diskId}: range ${e.offset}+${e.length} freed twice`);
    let cur: Hole = { offset: e.offset, length: e.length };
    if (prev && prev.offset + prev.length === e.offset) {
      prev.length += e.length;
      cur = prev;
    } else {
      list.splice(i + 1, 0, cur);
      i++;
    }
    const after = list[i + 1];
    if (after && cur.offset + cur.length === after.offset) {
      cur.length += after.length;
      list.splice(i + 1, 1);
    }
    this.freeTotal += e.length;
  }

  private list(diskId: string): Hole[] {
    const l = this.holes.get(diskId);
    if (!l) throw new XdcError('ERR_LAB_CORRUPT', `disk ${diskId} is not part of this disk group`);
    return l;
  }
}
