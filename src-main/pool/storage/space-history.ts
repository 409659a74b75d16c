/**
 * Which bytes of each shared disk have ever been handed out (to a volume extent, a clone's
 * chunk or a snapshot's COW chunk). Freed space keeps whatever its last user wrote there, so
 * only space in this history can hold stale bytes; space outside it is still the sparse file's
 * zeros. The allocator marks a range on every `reserve` (live and journal replay alike), the
 * checkpoint stores the ranges, and a new volume's space is zeroed only where this says so.
 *
 * Kept per disk, not per disk group: a group deleted and re-created over the same disks must
 * not hand out the old group's bytes either.
 */
import type { Extent } from './free-space';

interface Range {
  offset: number;
  length: number;
}

export class SpaceHistory {
  private readonly used = new Map<string, Range[]>();

  /** Records that `e` has been handed out (its bytes may no longer be zero once freed). */
  mark(e: Extent): void {
    if (e.length <= 0) return;
    let list = this.used.get(e.diskId);
    if (!list) {
      list = [];
      this.used.set(e.diskId, list);
    }
    let start = e.offset;
    let end = e.offset + e.length;
    // ranges that overlap or touch [start, end) merge into one
    let i = lastStartingAtOrBefore(list, start);
    if (i >= 0 && list[i]!.offset + list[i]!.length >= start) {
      start = list[i]!.offset;
      end = Math.max(end, list[i]!.offset + list[i]!.length);
    } else i++;
    let j = i;
    while (j < list.length && list[j]!.offset <= end) {
      end = Math.max(end, list[j]!.offset + list[j]!.length);
      j++;
    }
    list.splice(i, j - i, { offset: start, length: end - start });
  }

  /** The parts of `e` that have been handed out before (and may hold a former user's bytes). */
  usedParts(e: Extent): Extent[] {
    const list = this.used.get(e.diskId);
    if (!list) return [];
    const out: Extent[] = [];
    const end = e.offset + e.length;
    let i = Math.max(0, lastStartingAtOrBefore(list, e.offset));
    for (; i < list.length && list[i]!.offset < end; i++) {
      const r = list[i]!;
      const from = Math.max(r.offset, e.offset);
      const to = Math.min(r.offset + r.length, end);
      if (to > from) out.push({ diskId: e.diskId, offset: from, length: to - from });
    }
    return out;
  }

  /** Every recorded range, for the checkpoint. */
  ranges(): Extent[] {
    const out: Extent[] = [];
    for (const [diskId, list] of this.used)
      for (const r of list) out.push({ diskId, offset: r.offset, length: r.length });
    return out;
  }
}

/** Index of the last range (sorted by offset) starting at or before `offset`, or -1. */
export function lastStartingAtOrBefore(list: ReadonlyArray<{ offset: number }>, offset: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.offset <= offset) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
