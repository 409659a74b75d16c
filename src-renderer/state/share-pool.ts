/**
 * Structural sharing between two reads of the pool: every host, guest, disk, disk group and
 * volume that did not change keeps its previous object. Node components select their object by
 * id and re-render only when the selected value changes identity, so in a 500-guest pool a
 * refresh after one report re-renders one node instead of a thousand.
 */
import type { PoolView } from '../../src-main/api/contract';

type Keyed = { id: string };

function shareList<T extends Keyed>(prev: readonly T[], next: T[]): T[] {
  const before = new Map(prev.map((item) => [item.id, item]));
  let reused = 0;
  const merged = next.map((item) => {
    const old = before.get(item.id);
    if (old && JSON.stringify(old) === JSON.stringify(item)) {
      reused++;
      return old;
    }
    return item;
  });
  // Same members in the same order, all unchanged: keep the old array too (selectors on it hold).
  return reused === prev.length && reused === next.length && merged.every((m, i) => m === prev[i])
    ? (prev as T[])
    : merged;
}

export function sharePool(prev: PoolView | null, next: PoolView): PoolView {
  if (!prev || prev.poolId !== next.poolId) return next;
  return {
    ...next,
    hosts: shareList(prev.hosts, next.hosts),
    guests: shareList(prev.guests, next.guests),
    disks: shareList(prev.disks, next.disks),
    diskGroups: shareList(prev.diskGroups, next.diskGroups),
    volumes: shareList(prev.volumes, next.volumes),
  };
}
