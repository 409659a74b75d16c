/**
 * The lab folder and its description file.
 *
 *   <lab>/lab.json              this file: pool shape (hosts, guests, placement, apps, VBDs)
 *   <lab>/disks/<disk>.img      one sparse data file per shared disk (storage core)
 *   <lab>/storage/              the volume server's metadata journal + checkpoint
 *   <lab>/central/xdc.db        the central server's SQL database
 *   <lab>/credentials.json      generated user passwords (0600)
 *
 * lab.json is written atomically (tmp + fsync + rename) so a crash leaves the old or the new
 * version, never a torn one; a file that does not parse or validate is an error naming the
 * file, never a silent reset.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { asXdcError, XdcError } from './errors';

export const LAB_FORMAT = 'xdc-lab/1';

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

export const AppSpec = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(['exchange', 'sqlserver']),
  /** LUN numbers (as the guest sees them) the app's files live on. */
  luns: z.array(z.number().int().min(0)),
  online: z.boolean().default(true),
});
export type AppSpec = z.infer<typeof AppSpec>;

export const VbdSpec = z.object({ lun: z.number().int().min(0).max(255), vdiId: Id });
export type VbdSpec = z.infer<typeof VbdSpec>;

export const GuestSpec = z.object({
  id: Id,
  name: z.string(),
  os: z.enum(['windows', 'linux']),
  hostId: Id,
  memoryMiB: z.number().int().positive(),
  /** Memory dirty rate of the guest's workload, for the migration pre-copy model. */
  dirtyMBps: z.number().min(0),
  running: z.boolean().default(true),
  vbds: z.array(VbdSpec),
  apps: z.array(AppSpec).default([]),
});
export type GuestSpec = z.infer<typeof GuestSpec>;

export const HostSpec = z.object({
  id: Id,
  name: z.string(),
  memoryMiB: z.number().int().positive(),
  down: z.boolean().default(false),
});
export type HostSpec = z.infer<typeof HostSpec>;

export const DiskSpec = z.object({ id: Id, name: z.string(), sizeBytes: z.number().int().positive() });
export type DiskSpec = z.infer<typeof DiskSpec>;

export const LabSpec = z.object({
  format: z.literal(LAB_FORMAT),
  poolId: Id,
  name: z.string(),
  createdAt: z.string(),
  /** Link bandwidth between hosts for live migration, in megabits per second. */
  linkMbps: z.number().positive().default(1000),
  hosts: z.array(HostSpec).min(1),
  guests: z.array(GuestSpec),
  disks: z.array(DiskSpec).min(1),
  /** The disk group (SR) and the volumes created on first boot. */
  diskGroup: z.object({ id: Id, name: z.string(), diskIds: z.array(Id).min(1) }),
  volumes: z.array(z.object({ id: Id, name: z.string(), sizeBytes: z.number().int().positive() })),
  /** The Dom0 the central server VM runs on (default: the last host). */
  centralHost: Id.optional(),
  /** Which Dom0 holds the volume server role (changes on takeover). */
  volumeServerHost: Id,
  /** Partitioned nodes at save time (faults persist across a restart of the lab). */
  partitioned: z.array(Id).default([]),
  /** Pool time (ms) when the lab was last written: a reopened lab's clock continues from it. */
  clockMs: z.number().min(0).default(0),
  failedDisks: z.array(Id).default([]),
});
export type LabSpec = z.infer<typeof LabSpec>;

export function labFile(labDir: string): string {
  return join(labDir, 'lab.json');
}

export function labExists(labDir: string): boolean {
  return existsSync(labFile(labDir));
}

/** Reads and validates lab.json; ERR_LAB_CORRUPT names the file and says what is wrong. */
export function readLabSpec(labDir: string): LabSpec {
  const file = labFile(labDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw asXdcError(e, 'ERR_LAB_IO');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new XdcError(
      'ERR_LAB_CORRUPT',
      `${file}: not valid JSON (${(e as Error).message}); the lab was not opened`,
    );
  }
  const parsed = LabSpec.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.join('.') || '(top level)' : '?';
    throw new XdcError(
      'ERR_LAB_CORRUPT',
      `${file}: not a valid XDC lab description at ${where}: ${first?.message ?? 'invalid'}; the lab was not opened`,
    );
  }
  checkReferences(file, parsed.data);
  return parsed.data;
}

function checkReferences(file: string, spec: LabSpec): void {
  const hosts = new Set(spec.hosts.map((h) => h.id));
  const disks = new Set(spec.disks.map((d) => d.id));
  const vols = new Set(spec.volumes.map((v) => v.id));
  const bad = (what: string) => {
    throw new XdcError('ERR_LAB_CORRUPT', `${file}: ${what}; the lab was not opened`);
  };
  if (!hosts.has(spec.volumeServerHost))
    bad(`volume server host ${spec.volumeServerHost} is not a host of the pool`);
  if (spec.centralHost !== undefined && !hosts.has(spec.centralHost))
    bad(`central server host ${spec.centralHost} is not a host of the pool`);
  for (const d of spec.diskGroup.diskIds)
    if (!disks.has(d)) bad(`disk group ${spec.diskGroup.id} names unknown disk ${d}`);
  const ids = new Set<string>();
  for (const g of spec.guests) {
    if (ids.has(g.id)) bad(`guest id ${g.id} appears twice`);
    ids.add(g.id);
    if (!hosts.has(g.hostId)) bad(`guest ${g.id} runs on unknown host ${g.hostId}`);
    for (const v of g.vbds)
      if (!vols.has(v.vdiId)) bad(`guest ${g.id} LUN ${v.lun} names unknown volume ${v.vdiId}`);
  }
}

/** Atomic write: tmp file, fsync, rename, fsync the folder. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    try {
      const dfd = openSync(dirname(file), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Some filesystems refuse fsync on a directory; the rename is still atomic.
    }
  } catch (e) {
    throw asXdcError(e, 'ERR_LAB_IO');
  }
}

export function writeLabSpec(labDir: string, spec: LabSpec): void {
  writeFileAtomic(labFile(labDir), `${JSON.stringify(LabSpec.parse(spec), null, 2)}\n`);
}
