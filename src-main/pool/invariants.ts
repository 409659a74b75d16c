/**
 * The pool's invariants (DOMAIN.md), checked live: the invariants panel, the property tests and
 * the durability test all call this one function.
 *
 * - single-owner: each volume has at most one owning volume client, and the client that believes
 *   it owns a volume is the one the volume server's tag names;
 * - guest-on-one-host: a running guest is on exactly one host, that host is up, every block ring
 *   of the guest goes to that host, and that host owns the guest's volumes;
 * - acknowledged-writes: a rotating sample of acknowledged writes reads back with the same CRC;
 * - database-agrees: every snapshot set the central server recorded exists in the volume server
 *   with all its members, and every VSS set the volume server holds is recorded.
 */
import type { InvariantReport } from '../api/contract';
import type { Pool } from './pool';
import { WriteAudit } from './write-audit';

type Check = InvariantReport['checks'][number];

export function checkInvariants(pool: Pool, sampleSize = 32): InvariantReport {
  const checks: Check[] = [
    singleOwner(pool),
    guestOnOneHost(pool),
    acknowledgedWrites(pool, sampleSize),
    databaseAgrees(pool),
  ];
  return { ok: checks.every((c) => c.ok), checkedAt: pool.clock.now(), checks };
}

function volumeIds(pool: Pool): string[] {
  return pool.spec.volumes.map((v) => v.id);
}

function singleOwner(pool: Pool): Check {
  const bad: string[] = [];
  const notes: string[] = [];
  for (const vdiId of volumeIds(pool)) {
    const believers = [...pool.dom0s.values()]
      .filter((d) => !pool.hostDown(d.hostId) && d.volumeClient.owns(vdiId))
      .map((d) => d.hostId);
    const tag = pool.ownerOf(vdiId);
    if (believers.length > 1) {
      bad.push(vdiId);
      notes.push(`${vdiId} is owned by the volume clients of ${believers.join(' and ')}`);
    } else if (believers.length === 1 && tag !== believers[0]) {
      bad.push(vdiId);
      notes.push(
        `${vdiId}: the client on ${believers[0]} believes it owns it but the tag says ${tag ?? 'nobody'}`,
      );
    }
  }
  return {
    name: 'single-owner',
    ok: bad.length === 0,
    detail: bad.length ? notes.join('; ') : `each of ${volumeIds(pool).length} volumes has at most one owner`,
    subjects: bad,
  };
}

function guestOnOneHost(pool: Pool): Check {
  const bad: string[] = [];
  const notes: string[] = [];
  let running = 0;
  for (const vm of pool.guests.values()) {
    if (vm.state !== 'running') continue;
    running++;
    const problems: string[] = [];
    if (pool.hostDown(vm.hostId)) problems.push(`its host ${vm.hostId} is down`);
    for (const v of vm.vbds) {
      if (v.ring.hostId !== vm.hostId) problems.push(`LUN ${v.lun} still goes to ${v.ring.hostId}`);
      const owner = pool.ownerOf(v.vdiId);
      if (owner !== vm.hostId) problems.push(`${v.vdiId} is owned by ${owner ?? 'nobody'}`);
    }
    if (problems.length) {
      bad.push(vm.id);
      notes.push(`${vm.id} on ${vm.hostId}: ${problems.join(', ')}`);
    }
  }
  return {
    name: 'guest-on-one-host',
    ok: bad.length === 0,
    detail: bad.length
      ? notes.join('; ')
      : `each of ${running} running guests is on exactly one host, which owns its volumes`,
    subjects: bad,
  };
}

function acknowledgedWrites(pool: Pool, n: number): Check {
  const sample = pool.audit.sample(n);
  const bad: string[] = [];
  const notes: string[] = [];
  let checked = 0;
  for (const w of sample) {
    const owner = pool.ownerOf(w.vdiId);
    if (owner === null) continue;
    let data: Buffer;
    try {
      data = pool.role.dataPath.read(w.vdiId, owner, w.offset, w.length);
    } catch {
      // A failed disk or a vacant role makes the bytes unreadable, not lost: they come back with it.
      continue;
    }
    checked++;
    if (!WriteAudit.matches(w, data)) {
      bad.push(w.vdiId);
      notes.push(
        `${w.vdiId}: ${w.length} bytes at offset ${w.offset}, acknowledged at ${w.at} ms, read back different`,
      );
    }
  }
  return {
    name: 'acknowledged-writes',
    ok: bad.length === 0,
    detail: bad.length
      ? notes.join('; ')
      : `${checked} of ${pool.audit.size} recorded acknowledged writes re-read and matched`,
    subjects: [...new Set(bad)],
  };
}

function databaseAgrees(pool: Pool): Check {
  if (pool.role.vacant)
    return {
      name: 'database-agrees',
      ok: true,
      detail: 'volume server role vacant: compared after takeover',
      subjects: [],
    };
  const vsSets = new Map<string, Set<string>>();
  for (const s of pool.role.server.listSnapshots()) {
    if (!s.setId) continue;
    const m = vsSets.get(s.setId) ?? new Set<string>();
    m.add(s.id);
    vsSets.set(s.setId, m);
  }
  const dbSets = new Map<string, Set<string>>();
  for (const row of pool.central.repos.snapshots.list()) {
    if (!row.setId) continue;
    const m = dbSets.get(row.setId) ?? new Set<string>();
    m.add(row.id);
    dbSets.set(row.setId, m);
  }
  const bad: string[] = [];
  for (const [setId, members] of dbSets) {
    const vs = vsSets.get(setId);
    if (!vs || [...members].some((m) => !vs.has(m)))
      bad.push(`${setId} (recorded, missing in the volume server)`);
  }
  for (const setId of vsSets.keys())
    if (!dbSets.has(setId)) bad.push(`${setId} (in the volume server, not recorded)`);
  return {
    name: 'database-agrees',
    ok: bad.length === 0,
    detail: bad.length
      ? `snapshot sets disagree: ${bad.join(', ')}`
      : `${dbSets.size} snapshot sets recorded, all present in the volume server`,
    subjects: bad,
  };
}
