/**
 * Pool views for renderer tests, built from a compact description: which guests sit on which
 * host, how many snapshots each volume has. Every field the contract asks for is filled, and
 * the result is checked against the contract's schema so fixtures cannot drift from it.
 */
import { type GuestView, PoolView, type VolumeView } from '../../src-main/api/contract';

export interface PoolShape {
  hosts: string[];
  /** guest id -> host id */
  guests: Record<string, string>;
  disks: number;
  /** snapshots per volume (one volume per guest, id `vol-<guest>`) */
  snapshots?: Record<string, number>;
  spareDisks?: number;
}

export function buildPool(shape: PoolShape): PoolView {
  const diskIds = Array.from({ length: shape.disks }, (_, i) => `d${i + 1}`);
  const spare = Array.from({ length: shape.spareDisks ?? 0 }, (_, i) => `s${i + 1}`);
  const guests: GuestView[] = Object.entries(shape.guests).map(([id, hostId], i) => ({
    id,
    name: `guest-${id}`,
    os: i % 2 === 0 ? 'windows' : 'linux',
    hostId,
    state: 'running',
    reachable: true,
    memoryMiB: 1024,
    prompt: i % 2 === 0 ? 'C:\\>' : `root@${id}:~# `,
    central: i === 0,
    luns: [{ lun: 0, vdiId: `vol-${id}`, sizeBytes: 2 ** 30, serial: `XDC${i}`, naa: `naa.6000${i}` }],
    apps: [],
    migration: null,
  }));
  const volumes: VolumeView[] = Object.entries(shape.guests).map(([id, hostId]) => ({
    id: `vol-${id}`,
    name: `${id} disk`,
    diskGroupId: 'dg1',
    sizeBytes: 2 ** 30,
    ownerHostId: hostId,
    guestId: id,
    lun: 0,
    diskIds: diskIds.slice(0, 1),
    snapshots: Array.from({ length: shape.snapshots?.[id] ?? 0 }, (_, k) => ({
      id: `snap-${id}-${k}`,
      name: `snap ${k}`,
      createdAt: 1000 + k,
      cowBytes: 0,
      setId: null,
      consistency: 'crash' as const,
    })),
  }));
  return PoolView.parse({
    poolId: 'pool-test',
    name: 'Test pool',
    labDir: '/tmp/lab',
    clock: { now: 0, speed: 1 },
    centralGuestId: guests[0]?.id ?? 'none',
    hosts: shape.hosts.map((id, i) => ({
      id,
      name: `xen-${id}`,
      state: 'up',
      volumeServer: i === 0,
      memoryMiB: 65536,
      xprtld: null,
    })),
    guests,
    disks: [
      ...diskIds.map((id) => ({
        id,
        name: `san-${id}`,
        sizeBytes: 2 ** 33,
        state: 'ok',
        diskGroupId: 'dg1',
      })),
      ...spare.map((id) => ({ id, name: `spare-${id}`, sizeBytes: 2 ** 33, state: 'ok', diskGroupId: null })),
    ],
    diskGroups: [{ id: 'dg1', name: 'xdcdg', diskIds, sizeBytes: 2 ** 35, freeBytes: 2 ** 34 }],
    volumes,
  });
}

export const demoShape: PoolShape = {
  hosts: ['h1', 'h2', 'h3'],
  guests: { central: 'h1', g1: 'h1', g2: 'h1', g3: 'h2', g4: 'h2', g5: 'h3' },
  disks: 4,
  snapshots: { g1: 2, g4: 1 },
};
