/**
 * The checks before a live migration moves anything: each refusal is an XdcError with one
 * sentence a user can act on (the UI shows it on hover while dragging a guest).
 *
 * "A LUN the destination cannot see", in the lab: the destination sees a guest's LUN when the
 * LUN's disk group (SR) is attached on that host (sr_attach) and every shared disk of the disk
 * group is readable. A failed disk makes the disk group incomplete for every host, and the
 * source's flush before handing the volume over would fail on it too, so the migration is
 * refused up front rather than rolled back half way.
 */
import { XdcError } from '../errors';
import type { GuestVm } from '../guest-vm';
import { CENTRAL_ID, CENTRAL_VM_MIB, type Pool } from '../pool';

export interface CheckContext {
  pool: Pool;
  /** The running job of this guest, if any. */
  runningJobOf(guestId: string): { id: string; to: string; phase: string } | null;
  /** Memory promised to migrations still on their way to the host. */
  incomingMiB(hostId: string): number;
}

export interface CheckResult {
  allowed: boolean;
  code: string | null;
  reason: string | null;
}

const refused = (reason: string) => new XdcError('ERR_MIGRATION_REFUSED', reason);

/** Null when the migration may start; otherwise the error saying why not. */
export function migrationRefusal(ctx: CheckContext, guestId: string, to: string): XdcError | null {
  const { pool } = ctx;
  if (guestId === CENTRAL_ID)
    return refused(
      'the central server VM is pinned in the lab: it holds the pool database and the authentication broker',
    );
  const vm = pool.guests.get(guestId);
  if (!vm) return new XdcError('ERR_NOT_FOUND', `no guest ${guestId} in this pool`);
  if (!pool.dom0s.has(to)) return new XdcError('ERR_NOT_FOUND', `no host ${to} in this pool`);
  const running = ctx.runningJobOf(guestId);
  if (running)
    return refused(
      `${guestId} is already migrating to ${running.to} (job ${running.id}, phase ${running.phase})`,
    );
  const from = vm.hostId;
  if (from === to) return refused(`${guestId} already runs on ${to}`);
  if (vm.state !== 'running') return refused(`${guestId} is ${vm.state}: only a running guest migrates live`);
  const net = networkRefusal(pool, from, to);
  if (net) return net;
  const storage = storageRefusal(pool, vm, to);
  if (storage) return storage;
  return roomRefusal(ctx, vm, to);
}

function networkRefusal(pool: Pool, from: string, to: string): XdcError | null {
  if (pool.hostDown(to)) return refused(`destination host ${to} is down`);
  const status = pool.fabric.status(to);
  if (status === 'partitioned')
    return refused(`destination host ${to} is partitioned from the pool's network`);
  if (!pool.fabric.reachable(from, to))
    return refused(
      `host ${from} cannot reach ${to} (${from} is ${pool.fabric.status(from)}): the memory stream has no path`,
    );
  if (pool.role.vacant)
    return refused(
      `the volume server is unavailable (its host ${pool.role.hostId} is down and the takeover has not happened yet): the storage handoff needs it`,
    );
  const vs = pool.role.hostId;
  for (const h of [from, to]) {
    if (h !== vs && !pool.fabric.reachable(h, vs))
      return refused(
        `host ${h} cannot reach the volume server on ${vs}: the storage handoff would not get through`,
      );
  }
  return null;
}

function storageRefusal(pool: Pool, vm: GuestVm, to: string): XdcError | null {
  const problem = lunVisibilityProblem(pool, vm, to);
  return problem ? refused(problem) : null;
}

/** Why the host cannot see one of the guest's LUNs (see the header), or null when it sees them all. */
export function lunVisibilityProblem(pool: Pool, vm: GuestVm, hostId: string): string | null {
  const vs = pool.role.server;
  const failed = new Set(
    vs
      .listDisks()
      .filter((d) => d.state === 'failed')
      .map((d) => d.id),
  );
  for (const vbd of vm.vbds) {
    const vol = vs.getVolume(vbd.vdiId);
    const sr = vs.getDiskGroup(vol.diskGroupId);
    const lun = `LUN ${vbd.lun} (${vbd.vdiId})`;
    if (!sr.attachedHosts.includes(hostId))
      return `host ${hostId} cannot see ${lun}: its disk group ${sr.id} is not attached there (sr_attach)`;
    const bad = sr.diskIds.filter((d) => failed.has(d));
    if (bad.length)
      return `host ${hostId} cannot see ${lun}: disk ${bad.join(', ')} of its disk group ${sr.id} has failed, so the group is incomplete and the volume cannot be flushed for the handoff`;
  }
  return null;
}

/** Memory the host's guests use now (crashed ones too: they restart there), plus the central VM. */
export function usedMiB(pool: Pool, hostId: string): number {
  let used = 0;
  for (const g of pool.guests.values())
    if (g.hostId === hostId && g.state !== 'stopped') used += g.spec.memoryMiB;
  if (pool.fabric.node(CENTRAL_ID).hostId === hostId) used += CENTRAL_VM_MIB;
  return used;
}

function roomRefusal(ctx: CheckContext, vm: GuestVm, to: string): XdcError | null {
  const host = ctx.pool.spec.hosts.find((h) => h.id === to);
  if (!host) return new XdcError('ERR_NOT_FOUND', `no host ${to} in this pool`);
  const free = host.memoryMiB - usedMiB(ctx.pool, to) - ctx.incomingMiB(to);
  if (free < vm.spec.memoryMiB)
    return refused(
      `host ${to} has ${Math.max(0, free)} MiB of its ${host.memoryMiB} MiB free; ${vm.id} needs ${vm.spec.memoryMiB} MiB`,
    );
  return null;
}

export function asCheckResult(e: XdcError | null): CheckResult {
  return e
    ? { allowed: false, code: e.code, reason: e.message }
    : { allowed: true, code: null, reason: null };
}
