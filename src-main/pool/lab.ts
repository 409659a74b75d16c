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

/**
 * Sane bounds for everything a lab file can say. A damaged lab.json must be refused with the
 * field it broke, not accepted as a number that makes the pool misbehave: a clockMs so large
 * that `now + delay === now` freezes pool time (every timer due "now", forever), a 10^15 MiB
 * host, a LUN number no SCSI target can report. Limits are far above any real XDC pool (the
 * 64 x 32 scale run is 64 hosts and 2,048 guests).
 */
export const LAB_LIMITS = {
  hosts: 1024,
  guests: 16_384,
  disks: 1024,
  volumes: 65_536,
  /** Per guest: one VBD per LUN number 0..255. */
  vbds: 256,
  appsPerGuest: 64,
  maxLun: 255,
  /** 16 TiB of memory, per host or guest. */
  memoryMiB: 16 * 1024 * 1024,
  dirtyMBps: 100_000,
  /** 1 Mbit/s .. 1 Tbit/s migration link. */
  linkMbps: { min: 1, max: 1_000_000 },
  /** A shared disk or a volume: 1 MiB .. 16 TiB (ext4's largest sparse file). */
  sizeBytes: { min: 1024 * 1024, max: 2 ** 44 },
  /** 2^50 ms (35,000 years of pool time); below it a millisecond is still representable. */
  clockMs: 2 ** 50,
  name: 256,
} as const;

const Name = z.string().max(LAB_LIMITS.name);
const Lun = z.number().int().min(0).max(LAB_LIMITS.maxLun);
const MemoryMiB = z.number().int().positive().max(LAB_LIMITS.memoryMiB);
const SizeBytes = z.number().int().min(LAB_LIMITS.sizeBytes.min).max(LAB_LIMITS.sizeBytes.max);

export const AppSpec = z.object({
  id: Id,
  name: Name,
  kind: z.enum(['exchange', 'sqlserver']),
  /** LUN numbers (as the guest sees them) the app's files live on. */
  luns: z.array(Lun).max(LAB_LIMITS.vbds),
  online: z.boolean().default(true),
});
export type AppSpec = z.infer<typeof AppSpec>;

export const VbdSpec = z.object({ lun: Lun, vdiId: Id });
export type VbdSpec = z.infer<typeof VbdSpec>;

export const GuestSpec = z.object({
  id: Id,
  name: Name,
  os: z.enum(['windows', 'linux']),
  hostId: Id,
  memoryMiB: MemoryMiB,
  /** Memory dirty rate of the guest's workload, for the migration pre-copy model. */
  dirtyMBps: z.number().min(0).max(LAB_LIMITS.dirtyMBps),
  running: z.boolean().default(true),
  vbds: z.array(VbdSpec).max(LAB_LIMITS.vbds),
  apps: z.array(AppSpec).max(LAB_LIMITS.appsPerGuest).default([]),
});
export type GuestSpec = z.infer<typeof GuestSpec>;

export const HostSpec = z.object({
  id: Id,
  name: Name,
  memoryMiB: MemoryMiB,
  down: z.boolean().default(false),
});
export type HostSpec = z.infer<typeof HostSpec>;

export const DiskSpec = z.object({ id: Id, name: Name, sizeBytes: SizeBytes });
export type DiskSpec = z.infer<typeof DiskSpec>;

export const LabSpec = z.object({
  format: z.literal(LAB_FORMAT),
  poolId: Id,
  name: Name,
  createdAt: z.string().max(64),
  /** Link bandwidth between hosts for live migration, in megabits per second. */
  linkMbps: z.number().min(LAB_LIMITS.linkMbps.min).max(LAB_LIMITS.linkMbps.max).default(1000),
  hosts: z.array(HostSpec).min(1).max(LAB_LIMITS.hosts),
  guests: z.array(GuestSpec).max(LAB_LIMITS.guests),
  disks: z.array(DiskSpec).min(1).max(LAB_LIMITS.disks),
  /** The disk group (SR) and the volumes created on first boot. */
  diskGroup: z.object({ id: Id, name: Name, diskIds: z.array(Id).min(1).max(LAB_LIMITS.disks) }),
  volumes: z.array(z.object({ id: Id, name: Name, sizeBytes: SizeBytes })).max(LAB_LIMITS.volumes),
  /** The Dom0 the central server VM runs on (default: the last host). */
  centralHost: Id.optional(),
  /** Which Dom0 holds the volume server role (changes on takeover). */
  volumeServerHost: Id,
  /** Partitioned nodes at save time (faults persist across a restart of the lab). */
  partitioned: z
    .array(Id)
    .max(LAB_LIMITS.hosts + LAB_LIMITS.guests + 1)
    .default([]),
  /** Pool time (ms) when the lab was last written: a reopened lab's clock continues from it. */
  clockMs: z.number().min(0).max(LAB_LIMITS.clockMs).default(0),
  failedDisks: z.array(Id).max(LAB_LIMITS.disks).default([]),
});
export type LabSpec = z.infer<typeof LabSpec>;

export function labFile(labDir: string): string {
  return join(labDir, 'lab.json');
}

export function labExists(labDir: string): boolean {
  return existsSync(labFile(labDir));
}

/**
 * Reads a JSON file of the lab and validates it: a file that does not parse or does not match
 * `schema` is ERR_LAB_CORRUPT naming the file and what is wrong (`what`: "XDC lab description",
 * "storage checkpoint"), never a silent reset.
 */
export function readLabJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
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
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.join('.') || '(top level)';
    throw new XdcError(
      'ERR_LAB_CORRUPT',
      `${file}: not a valid ${what} at ${where}: ${first?.message ?? 'invalid'}; the lab was not opened`,
    );
  }
  return parsed.data;
}

/** Reads and validates lab.json; ERR_LAB_CORRUPT names the file and says what is wrong. */
export function readLabSpec(labDir: string): LabSpec {
  const file = labFile(labDir);
  const spec = readLabJson(file, LabSpec, 'XDC lab description');
  checkReferences(file, spec);
  return spec;
}

/** Node ids the pool itself uses on the pool network (pool.ts CENTRAL_ID and the console). */
const RESERVED_NODE_IDS: readonly string[] = ['central', 'console'];

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
  // Two hosts, disks or volumes under one id would silently merge into one (the pool keys them
  // in maps), so a duplicate is damage, not a lab.
  const once = (what: string, list: readonly { id: string }[], size: number) => {
    if (size === list.length) return;
    const seen = new Set<string>();
    for (const x of list) {
      if (seen.has(x.id)) bad(`${what} id ${x.id} appears twice`);
      seen.add(x.id);
    }
  };
  once('host', spec.hosts, hosts.size);
  once('disk', spec.disks, disks.size);
  once('volume', spec.volumes, vols.size);
  // Hosts and guests are nodes on one pool network (and in one credential table), beside the
  // central server and the lab console.
  for (const h of spec.hosts)
    if (RESERVED_NODE_IDS.includes(h.id)) bad(`host id ${h.id} is reserved for the lab's own ${h.id}`);
  const ids = new Set<string>();
  for (const g of spec.guests) {
    if (ids.has(g.id)) bad(`guest id ${g.id} appears twice`);
    if (hosts.has(g.id)) bad(`guest id ${g.id} is also a host's id`);
    if (RESERVED_NODE_IDS.includes(g.id)) bad(`guest id ${g.id} is reserved for the lab's own ${g.id}`);
    ids.add(g.id);
    if (!hosts.has(g.hostId)) bad(`guest ${g.id} runs on unknown host ${g.hostId}`);
    const luns = new Set<number>();
    for (const v of g.vbds) {
      if (!vols.has(v.vdiId)) bad(`guest ${g.id} LUN ${v.lun} names unknown volume ${v.vdiId}`);
      if (luns.has(v.lun)) bad(`guest ${g.id} has LUN ${v.lun} twice`);
      luns.add(v.lun);
    }
  }
}

/**
 * lab.json and the volume server's metadata (checkpoint + journal) must agree on the guests'
 * volumes. The checkpoint carries no checksum, so one damaged byte can rename a volume and still
 * parse; without this check the pool failed later with a bare "volume X does not exist" that
 * named no file. Which side is damaged cannot be told, so the error names all three files.
 */
export function checkStorageMatchesLab(
  labDir: string,
  spec: LabSpec,
  hasVolume: (vdiId: string) => boolean,
): void {
  for (const g of spec.guests)
    for (const v of g.vbds)
      if (!hasVolume(v.vdiId)) {
        const storage = join(labDir, 'storage');
        throw new XdcError(
          'ERR_LAB_CORRUPT',
          `${labFile(labDir)}: guest ${g.id} LUN ${v.lun} names volume ${v.vdiId}, which the volume server's metadata (${join(storage, 'metadata.json')}, ${join(storage, 'metadata.journal')}) does not have; one of these files is damaged; the lab was not opened`,
        );
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
