/**
 * The shapes of new labs: the demo pool `npm start` opens by default, and generated pools of
 * any size for scale tests and benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { type GuestSpec, LAB_FORMAT, type LabSpec } from './lab';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * The demo pool: a central server, three Dom0s (volume server on h1), one disk group on four
 * shared disks, five guests — three Windows (Exchange on one, SQL Server on another) and two
 * Linux — each with its volumes as LUNs.
 */
export function demoLabSpec(name = 'Demo pool'): LabSpec {
  const vol = (id: string, name: string, sizeBytes: number) => ({ id, name, sizeBytes });
  const guests: GuestSpec[] = [
    {
      id: 'g1',
      name: 'exch01',
      os: 'windows',
      hostId: 'h1',
      memoryMiB: 4096,
      dirtyMBps: 40,
      running: true,
      vbds: [
        { lun: 0, vdiId: 'vol-exch01-sys' },
        { lun: 1, vdiId: 'vol-exch01-db' },
        { lun: 2, vdiId: 'vol-exch01-log' },
      ],
      apps: [{ id: 'SG1', name: 'First Storage Group', kind: 'exchange', luns: [1, 2], online: true }],
    },
    {
      id: 'g2',
      name: 'sql01',
      os: 'windows',
      hostId: 'h1',
      memoryMiB: 2048,
      dirtyMBps: 25,
      running: true,
      vbds: [
        { lun: 0, vdiId: 'vol-sql01-sys' },
        { lun: 1, vdiId: 'vol-sql01-data' },
        { lun: 2, vdiId: 'vol-sql01-log' },
      ],
      apps: [{ id: 'Sales', name: 'Sales database', kind: 'sqlserver', luns: [1, 2], online: true }],
    },
    {
      id: 'g3',
      name: 'win-fs01',
      os: 'windows',
      hostId: 'h2',
      memoryMiB: 1024,
      dirtyMBps: 10,
      running: true,
      vbds: [
        { lun: 0, vdiId: 'vol-fs01-sys' },
        { lun: 1, vdiId: 'vol-fs01-data' },
      ],
      apps: [],
    },
    {
      id: 'g4',
      name: 'lnx-web01',
      os: 'linux',
      hostId: 'h2',
      memoryMiB: 1024,
      dirtyMBps: 15,
      running: true,
      vbds: [{ lun: 0, vdiId: 'vol-web01-root' }],
      apps: [],
    },
    {
      id: 'g5',
      name: 'lnx-db01',
      os: 'linux',
      hostId: 'h3',
      memoryMiB: 2048,
      dirtyMBps: 30,
      running: true,
      vbds: [
        { lun: 0, vdiId: 'vol-db01-root' },
        { lun: 1, vdiId: 'vol-db01-data' },
      ],
      apps: [],
    },
  ];
  return {
    format: LAB_FORMAT,
    poolId: `pool-${randomBytes(4).toString('hex')}`,
    name,
    createdAt: new Date().toISOString(),
    linkMbps: 1000,
    hosts: [
      { id: 'h1', name: 'xen-host-1', memoryMiB: 65536, down: false },
      { id: 'h2', name: 'xen-host-2', memoryMiB: 65536, down: false },
      { id: 'h3', name: 'xen-host-3', memoryMiB: 65536, down: false },
    ],
    guests,
    disks: [
      { id: 'd1', name: 'san-lun-01', sizeBytes: 8 * GiB },
      { id: 'd2', name: 'san-lun-02', sizeBytes: 8 * GiB },
      { id: 'd3', name: 'san-lun-03', sizeBytes: 8 * GiB },
      { id: 'd4', name: 'san-lun-04', sizeBytes: 8 * GiB },
    ],
    diskGroup: { id: 'dg1', name: 'xdcdg', diskIds: ['d1', 'd2', 'd3', 'd4'] },
    volumes: [
      vol('vol-exch01-sys', 'exch01 system', 2 * GiB),
      vol('vol-exch01-db', 'exch01 SG1 database', 4 * GiB),
      vol('vol-exch01-log', 'exch01 SG1 logs', 1 * GiB),
      vol('vol-sql01-sys', 'sql01 system', 2 * GiB),
      vol('vol-sql01-data', 'sql01 Sales data', 4 * GiB),
      vol('vol-sql01-log', 'sql01 Sales log', 1 * GiB),
      vol('vol-fs01-sys', 'win-fs01 system', 2 * GiB),
      vol('vol-fs01-data', 'win-fs01 shares', 4 * GiB),
      vol('vol-web01-root', 'lnx-web01 root', 2 * GiB),
      vol('vol-db01-root', 'lnx-db01 root', 2 * GiB),
      vol('vol-db01-data', 'lnx-db01 data', 4 * GiB),
    ],
    volumeServerHost: 'h1',
    partitioned: [],
    failedDisks: [],
    clockMs: 0,
  };
}

/** A generated pool of `hosts` x `guestsPerHost` guests, one small volume per guest. */
export function scaleLabSpec(hosts: number, guestsPerHost: number, volumeBytes = 64 * MiB): LabSpec {
  const hostSpecs = Array.from({ length: hosts }, (_, i) => ({
    id: `h${i + 1}`,
    name: `xen-host-${i + 1}`,
    memoryMiB: 262144,
    down: false,
  }));
  const guests: GuestSpec[] = [];
  const volumes: LabSpec['volumes'] = [];
  for (let h = 0; h < hosts; h++) {
    for (let k = 0; k < guestsPerHost; k++) {
      const n = h * guestsPerHost + k + 1;
      const windows = n % 3 !== 0;
      volumes.push({ id: `vol-g${n}`, name: `g${n} disk`, sizeBytes: volumeBytes });
      guests.push({
        id: `g${n}`,
        name: `${windows ? 'win' : 'lnx'}-${String(n).padStart(4, '0')}`,
        os: windows ? 'windows' : 'linux',
        hostId: `h${h + 1}`,
        memoryMiB: 1024,
        dirtyMBps: 20,
        running: true,
        vbds: [{ lun: 0, vdiId: `vol-g${n}` }],
        apps: [],
      });
    }
  }
  const totalBytes = volumes.length * volumeBytes * 2 + GiB;
  const diskCount = Math.max(2, Math.min(16, hosts));
  const diskBytes = Math.ceil(totalBytes / diskCount / MiB) * MiB;
  const disks = Array.from({ length: diskCount }, (_, i) => ({
    id: `d${i + 1}`,
    name: `san-lun-${String(i + 1).padStart(2, '0')}`,
    sizeBytes: diskBytes,
  }));
  return {
    format: LAB_FORMAT,
    poolId: `pool-${randomBytes(4).toString('hex')}`,
    name: `Scale pool ${hosts}x${guestsPerHost}`,
    createdAt: new Date().toISOString(),
    linkMbps: 10000,
    hosts: hostSpecs,
    guests,
    disks,
    diskGroup: { id: 'dg1', name: 'xdcdg', diskIds: disks.map((d) => d.id) },
    volumes,
    volumeServerHost: 'h1',
    partitioned: [],
    failedDisks: [],
    clockMs: 0,
  };
}
