/**
 * A small real pool for the managed-host tests: the lab's own Pool.open on a VirtualClock, with a
 * shape made for these tests (small volumes, two guests):
 *
 *   h0: the central server (a guest of its own host, so a partition of h1 or h2 cuts it off)
 *   h1: volume server, g1 "exch01" (Windows, Exchange SG1 on lun1+lun2, lun0 system)
 *   h2: g2 "lnx01" (Linux, lun0, lun1)
 *
 * The tests reach the parts they exercise (the fabric, the volume server role, each Dom0's volume
 * client, the central server's reports and database) through the pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLog } from '../../../src-main/pool/central/events';
import type { GuestReports } from '../../../src-main/pool/central/reports';
import type { CentralRepos } from '../../../src-main/pool/central/repos';
import type { VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import type { VolumeServerRole } from '../../../src-main/pool/dom0/volume-server-role';
import type { ManagedHost } from '../../../src-main/pool/guest/managed-host';
import { type GuestSpec, LAB_FORMAT, type LabSpec } from '../../../src-main/pool/lab';
import { VirtualClock } from '../../../src-main/pool/net/clock';
import type { Fabric, NodeCredentials } from '../../../src-main/pool/net/fabric';
import type { Xprtld } from '../../../src-main/pool/net/xprtld';
import { Pool } from '../../../src-main/pool/pool';
import { lunIdentityFor } from '../../../src-main/pool/scsi';
import { TEST_AUTH } from '../../support/pool-fixture';

const MiB = 1024 * 1024;
export const VOLUME_BYTES = 8 * MiB;
const POOL_ID = 'pool-test';
const SR = 'dg1';

export const GUESTS: GuestSpec[] = [
  {
    id: 'g1',
    name: 'exch01',
    os: 'windows',
    hostId: 'h1',
    memoryMiB: 1024,
    dirtyMBps: 10,
    running: true,
    vbds: [
      { lun: 0, vdiId: 'vol-g1-sys' },
      { lun: 1, vdiId: 'vol-g1-db' },
      { lun: 2, vdiId: 'vol-g1-log' },
    ],
    apps: [{ id: 'SG1', name: 'First Storage Group', kind: 'exchange', luns: [1, 2], online: true }],
  },
  {
    id: 'g2',
    name: 'lnx01',
    os: 'linux',
    hostId: 'h2',
    memoryMiB: 1024,
    dirtyMBps: 10,
    running: true,
    vbds: [
      { lun: 0, vdiId: 'vol-g2-root' },
      { lun: 1, vdiId: 'vol-g2-data' },
    ],
    apps: [],
  },
];

export interface GuestPool {
  labDir: string;
  clock: VirtualClock;
  fabric: Fabric;
  role: VolumeServerRole;
  clients: Map<string, VolumeClient>;
  reports: GuestReports;
  repos: CentralRepos;
  events: EventLog;
  hosts: Map<string, ManagedHost>;
  host(id: string): ManagedHost;
  /** Runs a DCLI line in a guest, moving pool time as the line needs. */
  dcli(guestId: string, line: string): Promise<{ exitCode: number; output: string }>;
  run<T>(p: Promise<T>): Promise<T>;
  /** Reads a snapshot through the volume server's data path (no guest involved). */
  readSnapshot(snapId: string, offset: number, length: number): Buffer;
  centralCredentials: NodeCredentials;
  xprtlds: Map<string, Xprtld>;
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

export function naaOf(vdiId: string): string {
  return lunIdentityFor(POOL_ID, vdiId).naa.toString('hex');
}

function guestLabSpec(): LabSpec {
  return {
    format: LAB_FORMAT,
    poolId: POOL_ID,
    name: 'guest test pool',
    createdAt: new Date(0).toISOString(),
    linkMbps: 1000,
    hosts: ['h0', 'h1', 'h2'].map((id) => ({ id, name: id, memoryMiB: 65536, down: false })),
    guests: structuredClone(GUESTS),
    disks: [
      { id: 'd1', name: 'd1', sizeBytes: 64 * MiB },
      { id: 'd2', name: 'd2', sizeBytes: 64 * MiB },
    ],
    diskGroup: { id: SR, name: 'xdcdg', diskIds: ['d1', 'd2'] },
    volumes: GUESTS.flatMap((g) =>
      g.vbds.map((v) => ({ id: v.vdiId, name: v.vdiId, sizeBytes: VOLUME_BYTES })),
    ),
    centralHost: 'h0',
    volumeServerHost: 'h1',
    partitioned: [],
    failedDisks: [],
    clockMs: 0,
  };
}

export async function openGuestPool(existingDir?: string): Promise<GuestPool> {
  const labDir = existingDir ?? mkdtempSync(join(tmpdir(), 'xdc-guest-'));
  const clock = new VirtualClock();
  const p = await Pool.open({ labDir, clock, spec: guestLabSpec(), auth: TEST_AUTH });
  clock.quiesce = () => p.fabric.quiesce();
  const hosts = new Map<string, ManagedHost>([...p.guests.values()].map((vm) => [vm.id, vm.managed]));
  for (const h of hosts.values()) await clock.run(h.settled());
  const xprtlds = new Map<string, Xprtld>([
    ...[...p.dom0s.values()].map((d) => [d.hostId, d.xprtld] as const),
    ...[...p.guests.values()].map((vm) => [vm.id, vm.xprtld] as const),
    ['central', p.central.xprtld] as const,
  ]);
  const pool: GuestPool = {
    labDir,
    clock,
    fabric: p.fabric,
    role: p.role,
    clients: new Map([...p.dom0s.values()].map((d) => [d.hostId, d.volumeClient])),
    reports: p.central.reports,
    repos: p.central.repos,
    events: p.central.events,
    hosts,
    centralCredentials: p.central.session,
    xprtlds,
    host: (id) => {
      const h = hosts.get(id);
      if (!h) throw new Error(`no guest ${id}`);
      return h;
    },
    dcli: (id, line) => clock.run(pool.host(id).runDcli(line)),
    run: (x) => clock.run(x),
    readSnapshot: (snapId, offset, length) => p.role.dataPath.read(snapId, 'h1', offset, length),
    close: async (opts = {}) => {
      await p.close();
      if (!opts.keepDir) rmSync(labDir, { recursive: true, force: true });
    },
  };
  return pool;
}
