/**
 * A small real pool for the managed-host tests, built from the real parts: sparse shared disks,
 * the volume server role and a volume client per Dom0, the central server's database, VRTSat
 * broker, event log and GuestReports, xprtld on every node over the fabric, a VSS endpoint on
 * every Dom0, and per guest BlockRings -> VirtualLuns -> ScsiTarget -> ManagedHost. Pool time is
 * a VirtualClock. (The lead's pool.ts will replace this; the tests only use what it exposes.)
 *
 *   h0: the central server (a guest of its own host, so a partition of h1 or h2 cuts it off)
 *   h1: volume server, g1 "exch01" (Windows, Exchange SG1 on lun1+lun2, lun0 system)
 *   h2: g2 "lnx01" (Linux, lun0, lun1)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthBroker } from '../../../src-main/pool/central/auth';
import { CentralDb } from '../../../src-main/pool/central/db';
import { EventLog } from '../../../src-main/pool/central/events';
import { GuestReports } from '../../../src-main/pool/central/reports';
import { CentralRepos } from '../../../src-main/pool/central/repos';
import { BlockRing } from '../../../src-main/pool/dom0/blkring';
import { InProcessVolumeServerLink, VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import { VolumeServerRole } from '../../../src-main/pool/dom0/volume-server-role';
import { VssEndpoint, volumeServerStore } from '../../../src-main/pool/dom0/vss-endpoint';
import { ManagedHost } from '../../../src-main/pool/guest/managed-host';
import type { GuestSpec } from '../../../src-main/pool/lab';
import { VirtualClock } from '../../../src-main/pool/net/clock';
import { Fabric, type NodeCredentials, type NodeKind } from '../../../src-main/pool/net/fabric';
import { Xprtld } from '../../../src-main/pool/net/xprtld';
import { lunIdentityFor, ScsiTarget, VirtualLun } from '../../../src-main/pool/scsi';
import { SharedDisks } from '../../../src-main/pool/storage/shared-disks';

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

export async function openGuestPool(existingDir?: string): Promise<GuestPool> {
  const labDir = existingDir ?? mkdtempSync(join(tmpdir(), 'xdc-guest-'));
  const clock = new VirtualClock();
  const disks = SharedDisks.open(labDir);
  const fresh = !disks.has('d1');
  if (fresh) {
    disks.create('d1', 64 * MiB);
    disks.create('d2', 64 * MiB);
  }
  const role = new VolumeServerRole({ labDir, disks, hostId: 'h1', now: () => clock.now() });
  const vs = role.server;
  if (fresh) {
    await vs.srCreate(SR, { name: 'xdcdg', diskIds: ['d1', 'd2'] });
    for (const g of GUESTS) for (const v of g.vbds) await vs.vdiCreate(SR, v.vdiId, VOLUME_BYTES);
    for (const h of ['h1', 'h2']) await vs.srAttach(SR, h);
  }
  const db = CentralDb.open(labDir);
  const repos = new CentralRepos(db);
  const events = new EventLog(db);
  const auth = new AuthBroker(repos);
  const fabric = new Fabric({ clock, quiesceIdleWallMs: 30 });
  clock.quiesce = () => fabric.quiesce();
  const xprtlds = new Map<string, Xprtld>();
  const node = async (
    id: string,
    kind: NodeKind,
    hostId: string | null,
  ): Promise<{ x: Xprtld; creds: NodeCredentials }> => {
    const x = new Xprtld({ nodeId: id, authenticate: (t) => auth.authenticate(t) });
    await x.start();
    xprtlds.set(id, x);
    fabric.register({ id, kind, hostId, xprtld: x });
    const secret = auth.registerNode(id, kind);
    return { x, creds: { nodeId: id, token: auth.loginNode(id, secret).token } };
  };

  const vdiByNaa = new Map<string, { vdiId: string; guestId: string }>();
  for (const g of GUESTS)
    for (const v of g.vbds) vdiByNaa.set(naaOf(v.vdiId), { vdiId: v.vdiId, guestId: g.id });

  const clients = new Map<string, VolumeClient>();
  await node('h0', 'dom0', null);
  for (const h of ['h1', 'h2']) {
    const { x } = await node(h, 'dom0', null);
    const client = new VolumeClient(h, new InProcessVolumeServerLink(role), role.dataPath);
    clients.set(h, client);
    new VssEndpoint({
      store: volumeServerStore(() => role.server),
      client,
      guestVolumes: (guestId) =>
        (GUESTS.find((g) => g.id === guestId)?.vbds ?? []).map((v) => ({
          naa: naaOf(v.vdiId),
          vdiId: v.vdiId,
        })),
    }).register(x);
  }

  const central = await node('central', 'central', 'h0');
  const reports = new GuestReports({
    repos,
    events,
    clock,
    resolveVdi: (naa) => {
      const hit = vdiByNaa.get(naa);
      return hit ? { vdiId: hit.vdiId, diskGroupId: SR, diskGroupName: 'xdcdg' } : null;
    },
  });
  reports.register(central.x);

  const hosts = new Map<string, ManagedHost>();
  for (const g of GUESTS) {
    const { x, creds } = await node(g.id, 'guest', g.hostId);
    const client = clients.get(g.hostId)!;
    const target = new ScsiTarget();
    for (const v of g.vbds) {
      await client.acquire(v.vdiId);
      target.attach(v.lun, new VirtualLun(new BlockRing(v.vdiId, lunIdentityFor(POOL_ID, v.vdiId), client)));
    }
    const host = new ManagedHost({
      spec: g,
      poolId: POOL_ID,
      clock,
      fabric,
      xprtld: x,
      credentials: creds,
      scsi: target,
      centralNodeId: 'central',
      hostNodeId: () => g.hostId,
    });
    hosts.set(g.id, host);
  }
  for (const h of hosts.values()) await h.start();
  for (const h of hosts.values()) await clock.run(h.settled());

  const pool: GuestPool = {
    labDir,
    clock,
    fabric,
    role,
    clients,
    reports,
    repos,
    events,
    hosts,
    centralCredentials: central.creds,
    xprtlds,
    host: (id) => {
      const h = hosts.get(id);
      if (!h) throw new Error(`no guest ${id}`);
      return h;
    },
    dcli: (id, line) => clock.run(pool.host(id).runDcli(line)),
    run: (p) => clock.run(p),
    readSnapshot: (snapId, offset, length) => role.dataPath.read(snapId, 'h1', offset, length),
    close: async (opts = {}) => {
      for (const h of hosts.values()) h.stop();
      for (const x of xprtlds.values()) await x.stop();
      fabric.close();
      for (const g of GUESTS) {
        const c = clients.get(g.hostId)!;
        for (const v of g.vbds) await c.release(v.vdiId).catch(() => undefined);
      }
      role.close();
      disks.close();
      db.close();
      if (!opts.keepDir) rmSync(labDir, { recursive: true, force: true });
    },
  };
  return pool;
}
