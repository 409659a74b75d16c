/**
 * Crash recovery of snapshot sets, run once when a lab opens (nothing is in flight then).
 *
 * A set is made in two steps that cannot share one transaction: the volume server makes the
 * member snapshots, then the guest records the set on the central server (and only then tells
 * the user it exists). Deleting goes the other way round: snapshots first, then the record.
 * A process killed between the two steps leaves either a set the volume server holds but the
 * database never recorded (never acknowledged: it is rolled back, like a failed create), or a
 * record whose snapshots are already gone (the delete had started: it is finished). Without
 * this the database and the pool would disagree for ever after such a crash.
 */
import type { Pool } from './pool';

export async function reconcileSnapshotSets(pool: Pool): Promise<string[]> {
  if (pool.role.vacant) return [];
  const vs = pool.role.server;
  const inVolumeServer = new Map<string, string[]>();
  const present = new Set<string>();
  for (const s of vs.listSnapshots()) {
    present.add(s.id);
    if (!s.setId) continue;
    const list = inVolumeServer.get(s.setId) ?? [];
    list.push(s.id);
    inVolumeServer.set(s.setId, list);
  }
  const recorded = new Map<string, string[]>();
  for (const row of pool.central.repos.snapshots.list()) {
    if (!row.setId) continue;
    const list = recorded.get(row.setId) ?? [];
    list.push(row.id);
    recorded.set(row.setId, list);
  }
  const notes: string[] = [];
  for (const [setId, members] of inVolumeServer) {
    if (recorded.has(setId)) continue;
    for (const id of members) await vs.vdiDelete(id);
    notes.push(
      `snapshot set ${setId} was never recorded (its creation was cut short): ${members.join(', ')} removed`,
    );
  }
  for (const [setId, members] of recorded) {
    const missing = members.filter((m) => !present.has(m));
    if (missing.length === 0) continue;
    for (const id of members.filter((m) => present.has(m))) await vs.vdiDelete(id);
    pool.central.reports.forgetSet(setId);
    notes.push(
      `snapshot set ${setId} was being deleted when the lab stopped (${missing.join(', ')} already gone): delete finished`,
    );
  }
  for (const n of notes) pool.event('snapshot.recovered', 'pool', null, n);
  return notes;
}
