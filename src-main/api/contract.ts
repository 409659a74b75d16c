/**
 * The one API of XDC Lab: every operation a client can ask of the pool, defined once with
 * runtime validation (zod). The window (IPC in Electron, WebSocket in browser mode), the
 * headless command, the central server's HTTP API and the tests all call these operations
 * through the same service, so what is tested headless is what the window shows.
 *
 * This module is shared by main and renderer: it imports nothing but zod.
 */
import { z } from 'zod';

export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'ids are letters, digits and _ . : -');
export const Role = z.enum(['admin', 'operator', 'viewer']);
export type Role = z.infer<typeof Role>;

// ---------------------------------------------------------------- views of the pool

export const HostView = z.object({
  id: Id,
  name: z.string(),
  state: z.enum(['up', 'down', 'partitioned']),
  volumeServer: z.boolean(),
  memoryMiB: z.number(),
  xprtld: z.string().nullable(),
});
export type HostView = z.infer<typeof HostView>;

export const AppView = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(['exchange', 'sqlserver']),
  state: z.enum(['online', 'offline', 'frozen']),
  luns: z.array(z.number().int()),
});
export type AppView = z.infer<typeof AppView>;

export const LunView = z.object({
  lun: z.number().int(),
  vdiId: Id,
  sizeBytes: z.number(),
  serial: z.string(),
  naa: z.string(),
});
export type LunView = z.infer<typeof LunView>;

export const MigrationBadge = z.object({
  jobId: Id,
  to: Id,
  phase: z.string(),
  progress: z.number().min(0).max(1),
});

export const GuestView = z.object({
  id: Id,
  name: z.string(),
  os: z.enum(['windows', 'linux']),
  hostId: Id,
  state: z.enum(['running', 'stopped', 'migrating', 'crashed']),
  reachable: z.boolean(),
  memoryMiB: z.number(),
  prompt: z.string(),
  central: z.boolean(),
  luns: z.array(LunView),
  apps: z.array(AppView),
  migration: MigrationBadge.nullable(),
});
export type GuestView = z.infer<typeof GuestView>;

export const DiskView = z.object({
  id: Id,
  name: z.string(),
  sizeBytes: z.number(),
  state: z.enum(['ok', 'failed']),
  diskGroupId: Id.nullable(),
});
export type DiskView = z.infer<typeof DiskView>;

export const DiskGroupView = z.object({
  id: Id,
  name: z.string(),
  diskIds: z.array(Id),
  sizeBytes: z.number(),
  freeBytes: z.number(),
});
export type DiskGroupView = z.infer<typeof DiskGroupView>;

export const SnapshotView = z.object({
  id: Id,
  name: z.string(),
  createdAt: z.number(),
  cowBytes: z.number(),
  setId: z.string().nullable(),
  consistency: z.enum(['application', 'crash']),
});
export type SnapshotView = z.infer<typeof SnapshotView>;

export const VolumeView = z.object({
  id: Id,
  name: z.string(),
  diskGroupId: Id,
  sizeBytes: z.number(),
  ownerHostId: Id.nullable(),
  guestId: Id.nullable(),
  lun: z.number().int().nullable(),
  diskIds: z.array(Id),
  snapshots: z.array(SnapshotView),
});
export type VolumeView = z.infer<typeof VolumeView>;

export const PoolView = z.object({
  poolId: Id,
  name: z.string(),
  labDir: z.string(),
  clock: z.object({ now: z.number(), speed: z.number() }),
  centralGuestId: Id,
  hosts: z.array(HostView),
  guests: z.array(GuestView),
  disks: z.array(DiskView),
  diskGroups: z.array(DiskGroupView),
  volumes: z.array(VolumeView),
});
export type PoolView = z.infer<typeof PoolView>;

// ---------------------------------------------------------------- jobs and events

export const PhaseRecord = z.object({
  name: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  detail: z.string(),
});
export type PhaseRecord = z.infer<typeof PhaseRecord>;

export const MigrationJob = z.object({
  id: Id,
  kind: z.literal('migration'),
  guestId: Id,
  from: Id,
  to: Id,
  state: z.enum(['running', 'succeeded', 'failed']),
  phase: z.string(),
  progress: z.number(),
  phases: z.array(PhaseRecord),
  rounds: z.number().int(),
  bytesSent: z.number(),
  downtimeMs: z.number().nullable(),
  totalMs: z.number().nullable(),
  model: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  rolledBack: z.array(z.string()),
  startedAt: z.number(),
});
export type MigrationJob = z.infer<typeof MigrationJob>;

export const PoolEvent = z.object({
  seq: z.number().int(),
  time: z.number(),
  kind: z.string(),
  source: z.string(),
  subject: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type PoolEvent = z.infer<typeof PoolEvent>;

export const InvariantReport = z.object({
  ok: z.boolean(),
  checkedAt: z.number(),
  checks: z.array(
    z.object({
      name: z.enum(['single-owner', 'guest-on-one-host', 'acknowledged-writes', 'database-agrees']),
      ok: z.boolean(),
      detail: z.string(),
      subjects: z.array(z.string()),
    }),
  ),
});
export type InvariantReport = z.infer<typeof InvariantReport>;

export const FaultKind = z.enum([
  'host-crash',
  'host-restore',
  'partition',
  'heal',
  'disk-fail',
  'disk-restore',
]);
export type FaultKind = z.infer<typeof FaultKind>;

export const LabInfo = z.object({
  dir: z.string(),
  name: z.string(),
  recent: z.array(z.string()),
  dirty: z.boolean(),
});
export type LabInfo = z.infer<typeof LabInfo>;

// ---------------------------------------------------------------- operations

const op = <I extends z.ZodType, O extends z.ZodType>(def: {
  input: I;
  output: O;
  role: Role;
  summary: string;
}) => def;

/**
 * Every operation: its input, its output and the least role that may call it.
 * Roles: viewer reads; operator runs DCLI, migrates and injects faults; admin manages labs.
 */
export const operations = {
  login: op({
    input: z.object({ user: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    output: z.object({ token: z.string(), role: Role, expiresAt: z.number() }),
    role: 'viewer',
    summary: 'authenticate to the VRTSat broker on the central server',
  }),
  getPool: op({ input: z.object({}), output: PoolView, role: 'viewer', summary: 'the whole pool topology' }),
  dcli: op({
    input: z.object({ guestId: Id, line: z.string().max(4096) }),
    output: z.object({ exitCode: z.number().int(), output: z.string() }),
    role: 'operator',
    summary: 'run one DCLI line inside a guest',
  }),
  dcliComplete: op({
    input: z.object({ guestId: Id, line: z.string().max(4096) }),
    output: z.object({ candidates: z.array(z.string()), replaceFrom: z.number().int() }),
    role: 'viewer',
    summary: 'tab completion of a DCLI line (commands, LUNs, apps)',
  }),
  runScript: op({
    input: z.object({
      guestId: Id,
      script: z.enum(['rescan-luns', 'quiesce-app', 'unquiesce-app', 'collect-logs']),
      args: z.record(z.string(), z.string()).default({}),
    }),
    output: z.object({ exitCode: z.number().int(), output: z.string() }),
    role: 'admin',
    summary: 'run a named management script in a guest through the central server',
  }),
  checkMigration: op({
    input: z.object({ guestId: Id, to: Id }),
    output: z.object({ allowed: z.boolean(), code: z.string().nullable(), reason: z.string().nullable() }),
    role: 'viewer',
    summary: 'would migrating this guest to that host be allowed, and if not why',
  }),
  migrate: op({
    input: z.object({ guestId: Id, to: Id }),
    output: MigrationJob,
    role: 'operator',
    summary: 'start a live migration job',
  }),
  getJob: op({ input: z.object({ jobId: Id }), output: MigrationJob, role: 'viewer', summary: 'one job' }),
  listJobs: op({
    input: z.object({}),
    output: z.array(MigrationJob),
    role: 'viewer',
    summary: 'recent jobs',
  }),
  fault: op({
    input: z.object({ kind: FaultKind, target: Id, peer: Id.optional() }),
    output: z.object({ ok: z.literal(true), message: z.string() }),
    role: 'operator',
    summary: 'inject or heal a fault: crash/restore a host, partition/heal a node, fail/restore a disk',
  }),
  events: op({
    input: z.object({
      after: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(500),
      kind: z.string().max(64).optional(),
    }),
    output: z.array(PoolEvent),
    role: 'viewer',
    summary: 'the event log after a sequence number',
  }),
  setClockSpeed: op({
    input: z.object({ speed: z.number().min(0).max(10_000) }),
    output: z.object({ now: z.number(), speed: z.number() }),
    role: 'operator',
    summary: 'pause (0) or run the pool clock at 1x, 10x, 100x ...',
  }),
  invariants: op({
    input: z.object({}),
    output: InvariantReport,
    role: 'viewer',
    summary: 'check the pool invariants now',
  }),
  iscsiStatus: op({
    input: z.object({}),
    output: z.object({ enabled: z.boolean(), address: z.string().nullable(), sessions: z.number().int() }),
    role: 'viewer',
    summary: "the lab's iSCSI target: on or off, its address on 127.0.0.1, logged-in sessions",
  }),
  setIscsi: op({
    input: z.object({ enabled: z.boolean(), port: z.number().int().min(0).max(65535).optional() }),
    output: z.object({ enabled: z.boolean(), address: z.string().nullable(), sessions: z.number().int() }),
    role: 'admin',
    summary: "switch the lab's iSCSI target on (127.0.0.1 only) or off",
  }),
  labInfo: op({ input: z.object({}), output: LabInfo, role: 'viewer', summary: 'the open lab folder' }),
  saveLab: op({ input: z.object({}), output: LabInfo, role: 'operator', summary: 'save the lab' }),
  openLab: op({
    input: z.object({ dir: z.string().min(1).max(4096), create: z.boolean().default(false) }),
    output: LabInfo,
    role: 'admin',
    summary: 'open (or create) a lab folder, closing the current one',
  }),
  saveLabAs: op({
    input: z.object({ dir: z.string().min(1).max(4096) }),
    output: LabInfo,
    role: 'admin',
    summary: 'copy the lab to a new folder and continue there',
  }),
} as const;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpInput<K extends OpName> = z.input<Operations[K]['input']>;
export type OpParsedInput<K extends OpName> = z.output<Operations[K]['input']>;
export type OpOutput<K extends OpName> = z.output<Operations[K]['output']>;

/** The service every transport calls: one method per operation. */
export type XdcApi = { [K in OpName]: (input: OpInput<K>) => Promise<OpOutput<K>> };

export const opNames = Object.keys(operations) as OpName[];

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.hasOwn(operations, name);
}

/** Error shape on every transport: `{"error": {"code", "message"}}`. */
export const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/**
 * The HTTP mapping on the central server's xprtld. Path parameters fill the input object;
 * the JSON body (POST) or the query string (GET) fills the rest.
 */
export const httpRoutes: ReadonlyArray<{ method: 'GET' | 'POST'; path: string; op: OpName }> = [
  { method: 'POST', path: '/api/v1/login', op: 'login' },
  { method: 'GET', path: '/api/v1/pool', op: 'getPool' },
  { method: 'POST', path: '/api/v1/guests/{guestId}/dcli', op: 'dcli' },
  { method: 'POST', path: '/api/v1/guests/{guestId}/dcli/complete', op: 'dcliComplete' },
  { method: 'POST', path: '/api/v1/guests/{guestId}/scripts/{script}', op: 'runScript' },
  { method: 'GET', path: '/api/v1/guests/{guestId}/migrate/check', op: 'checkMigration' },
  { method: 'POST', path: '/api/v1/guests/{guestId}/migrate', op: 'migrate' },
  { method: 'GET', path: '/api/v1/jobs', op: 'listJobs' },
  { method: 'GET', path: '/api/v1/jobs/{jobId}', op: 'getJob' },
  { method: 'POST', path: '/api/v1/faults', op: 'fault' },
  { method: 'GET', path: '/api/v1/events', op: 'events' },
  { method: 'POST', path: '/api/v1/clock', op: 'setClockSpeed' },
  { method: 'GET', path: '/api/v1/invariants', op: 'invariants' },
  { method: 'GET', path: '/api/v1/iscsi', op: 'iscsiStatus' },
  { method: 'POST', path: '/api/v1/iscsi', op: 'setIscsi' },
  { method: 'GET', path: '/api/v1/lab', op: 'labInfo' },
  { method: 'POST', path: '/api/v1/lab/save', op: 'saveLab' },
  { method: 'POST', path: '/api/v1/lab/open', op: 'openLab' },
  { method: 'POST', path: '/api/v1/lab/save-as', op: 'saveLabAs' },
];
