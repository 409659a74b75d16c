/**
 * The pool view the one API serves (GET /api/v1/pool, the window's topology): hosts and their
 * state, guests with placement and the LUNs and apps the central server learned FROM REPORTS,
 * and the storage as the volume server describes it (disk group, disks, volumes, owners,
 * snapshots). While the volume server role is vacant (its host just crashed) the last storage
 * description is shown, with the owners as the data path knows them.
 */
import type { GuestView, PoolView, VolumeView } from '../api/contract';
import type { DiskGroupInfo, DiskInfoView, VolumeInfo } from './dom0/storage-views';
import type { Pool } from './pool';
import { CENTRAL_ID, CENTRAL_VM_MIB } from './pool';

interface StorageSnapshot {
  disks: DiskInfoView[];
  groups: DiskGroupInfo[];
  volumes: VolumeInfo[];
}

const lastStorage = new WeakMap<Pool, StorageSnapshot>();

function storageOf(pool: Pool): StorageSnapshot {
  if (!pool.role.vacant) {
    const vs = pool.role.server;
    const s = { disks: vs.listDisks(), groups: vs.listDiskGroups(), volumes: vs.listVolumes() };
    lastStorage.set(pool, s);
    return s;
  }
  return lastStorage.get(pool) ?? { disks: [], groups: [], volumes: [] };
}

export function buildPoolView(pool: Pool): PoolView {
  const storage = storageOf(pool);
  const failed = new Set(pool.spec.failedDisks);
  const lunOf = new Map<string, { guestId: string; lun: number }>();
  for (const g of pool.spec.guests) for (const v of g.vbds) lunOf.set(v.vdiId, { guestId: g.id, lun: v.lun });

  const hosts = pool.spec.hosts.map((h) => ({
    id: h.id,
    name: h.name,
    state: pool.fabric.status(h.id),
    volumeServer: !pool.role.vacant && pool.role.hostId === h.id,
    memoryMiB: h.memoryMiB,
    xprtld: pool.dom0s.get(h.id)?.xprtld.url ?? null,
  }));

  const guests: GuestView[] = [];
  // One read of the inventory for all guests (per-guest queries made GET /pool O(n) round trips into SQLite).
  const inventories = pool.central.reports.allGuestViews();
  for (const vm of pool.guests.values()) {
    const inv = inventories.get(vm.id) ?? { luns: [], apps: [], reportedAt: null };
    const badge = pool.migrations.badge(vm.id);
    guests.push({
      id: vm.id,
      name: vm.spec.name,
      os: vm.spec.os,
      hostId: vm.hostId,
      state: badge ? 'migrating' : vm.state === 'migrating' ? 'migrating' : vm.state,
      reachable: pool.fabric.reachable(CENTRAL_ID, vm.id),
      memoryMiB: vm.spec.memoryMiB,
      prompt: vm.managed.prompt(),
      central: false,
      luns: inv.luns,
      apps: inv.apps,
      migration: badge,
    });
  }
  const centralNode = pool.fabric.node(CENTRAL_ID);
  guests.push({
    id: CENTRAL_ID,
    name: 'xdc-central',
    os: 'linux',
    hostId: centralNode.hostId ?? pool.spec.hosts[0]!.id,
    state: pool.fabric.status(CENTRAL_ID) === 'down' ? 'crashed' : 'running',
    reachable: pool.fabric.status(CENTRAL_ID) === 'up',
    memoryMiB: CENTRAL_VM_MIB,
    prompt: 'root@xdc-central:~# ',
    central: true,
    luns: [],
    apps: [],
    migration: null,
  });

  const volumes: VolumeView[] = storage.volumes.map((v) => {
    const att = lunOf.get(v.id);
    return {
      id: v.id,
      name: v.name,
      diskGroupId: v.diskGroupId,
      sizeBytes: v.sizeBytes,
      ownerHostId: pool.ownerOf(v.id),
      guestId: att?.guestId ?? null,
      lun: att?.lun ?? null,
      diskIds: v.diskIds,
      snapshots: v.snapshots
        .filter((s) => !s.internal)
        .map((s) => ({
          id: s.id,
          name: s.name,
          createdAt: s.createdAt,
          cowBytes: s.cowBytes,
          setId: s.setId,
          consistency: s.consistency,
        })),
    };
  });

  return {
    poolId: pool.spec.poolId,
    name: pool.spec.name,
    labDir: pool.labDir,
    clock: { now: pool.clock.now(), speed: pool.clock.speed },
    centralGuestId: CENTRAL_ID,
    hosts,
    guests,
    disks: storage.disks.map((d) => ({
      id: d.id,
      name: pool.spec.disks.find((s) => s.id === d.id)?.name ?? d.id,
      sizeBytes: d.sizeBytes,
      state: failed.has(d.id) ? 'failed' : d.state,
      diskGroupId: d.diskGroupId,
    })),
    diskGroups: storage.groups.map((g) => ({
      id: g.id,
      name: g.name,
      diskIds: g.diskIds,
      sizeBytes: g.sizeBytes,
      freeBytes: g.freeBytes,
    })),
    volumes,
  };
}
