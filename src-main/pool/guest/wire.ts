/**
 * What a managed host sends over xprtld, defined once (zod) and checked on arrival by the
 * receiving side: reports to the central server, snapshot-set records and schedules (central),
 * and snapshot-set requests to the Dom0 VSS endpoint. The guest side, central/reports.ts and
 * dom0/vss-endpoint.ts all import these, so the two ends of a route cannot drift apart.
 */
import { z } from 'zod';
import { XdcError } from '../errors';

const Name = z.string().min(1).max(128);
const Hex = z.string().regex(/^[0-9a-f]*$/);

export const LunRecord = z.object({
  lun: z.number().int().min(0),
  address: z.string(),
  vendor: z.string(),
  product: z.string(),
  revision: z.string(),
  serial: z.string(),
  naa: Hex.nullable(),
  /** The T10 vendor id designator text (vendor + vendor-specific id) when the LUN reports one. */
  t10: z.string().nullable(),
  blockSize: z.number().int().positive(),
  sizeBytes: z.number().min(0),
});
export type LunRecord = z.infer<typeof LunRecord>;

export const AppState = z.enum(['online', 'offline', 'frozen']);
export type AppState = z.infer<typeof AppState>;

export const AppRecord = z.object({
  id: Name,
  name: z.string(),
  kind: z.enum(['exchange', 'sqlserver']),
  state: AppState,
  luns: z.array(z.number().int().min(0)),
});
export type AppRecord = z.infer<typeof AppRecord>;

export const GuestReport = z.object({
  guestId: Name,
  /** Random per start of the managed host: (bootId, seq) makes a re-sent report idempotent. */
  bootId: Name,
  seq: z.number().int().min(1),
  time: z.number(),
  kind: z.string().min(1).max(64),
  subject: z.string().nullable(),
  message: z.string().max(2000),
  data: z.record(z.string(), z.unknown()).nullable(),
  /** The guest's whole inventory as of this report: the central tables mirror the latest one. */
  inventory: z.object({ luns: z.array(LunRecord), apps: z.array(AppRecord) }),
});
export type GuestReport = z.infer<typeof GuestReport>;

export const Consistency = z.enum(['application', 'crash']);
export type Consistency = z.infer<typeof Consistency>;

export const SetMember = z.object({
  lun: z.number().int().min(0),
  naa: Hex,
  vdiId: Name,
  snapshotId: Name,
});
export type SetMember = z.infer<typeof SetMember>;

export const SnapshotSetRecord = z.object({
  setId: Name,
  guestId: Name,
  name: Name,
  /** What was snapshotted as the user named it: an app id or a LUN name (lun1). */
  target: Name,
  targetKind: z.enum(['app', 'lun']),
  consistency: Consistency,
  createdAt: z.number(),
  members: z.array(SetMember).min(1),
  writers: z.array(z.string()),
  scheduleId: Name.nullable(),
});
export type SnapshotSetRecord = z.infer<typeof SnapshotSetRecord>;

export const ScheduleRecord = z.object({
  id: Name,
  guestId: Name,
  target: Name,
  targetKind: z.enum(['app', 'lun']),
  everyMs: z.number().int().positive(),
  keep: z.number().int().min(1),
  consistency: Consistency,
  createdAt: z.number(),
});
export type ScheduleRecord = z.infer<typeof ScheduleRecord>;

export const ScheduleRunRecord = z.object({
  scheduleId: Name,
  startedAt: z.number(),
  endedAt: z.number(),
  ok: z.boolean(),
  setId: Name.nullable(),
  setName: z.string().nullable(),
  pruned: z.array(z.string()),
  error: z.string().nullable(),
});
export type ScheduleRunRecord = z.infer<typeof ScheduleRunRecord>;

/** The storage manager's answer to GET /xdc/v1/luns/{naa}. */
export const LunBacking = z.object({ vdiId: Name, diskGroupId: Name, diskGroupName: z.string() });
export type LunBacking = z.infer<typeof LunBacking>;

// ------------------------------------------------------------ guest -> Dom0 (VSS provider)

export const SnapshotSetRequest = z.object({
  setId: Name,
  name: Name,
  consistency: Consistency,
  luns: z.array(z.object({ lun: z.number().int().min(0), naa: Hex })).min(1),
});
export type SnapshotSetRequest = z.infer<typeof SnapshotSetRequest>;

export const SnapshotSetCreated = z.object({ setId: Name, members: z.array(SetMember) });
export type SnapshotSetCreated = z.infer<typeof SnapshotSetCreated>;

export const SnapshotSetDelete = z.object({
  setId: Name,
  /** Members the guest knows of; the endpoint also deletes any it made for setId that the guest never heard about. */
  snapshotIds: z.array(Name),
});
export type SnapshotSetDelete = z.infer<typeof SnapshotSetDelete>;

export const SnapshotSetRestore = z.object({ setId: Name, members: z.array(SetMember).min(1) });
export type SnapshotSetRestore = z.infer<typeof SnapshotSetRestore>;

export const RestoreResult = z.object({
  restored: z.array(
    z.object({
      vdiId: Name,
      snapshotId: Name,
      method: z.enum(['revert', 'copy-back']),
      bytesCopied: z.number(),
    }),
  ),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

/** Parses a route body; a wrong body is ERR_VALIDATION naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const where = first?.path.length ? first.path.join('.') : '(body)';
  throw new XdcError('ERR_VALIDATION', `${what}: ${where}: ${first?.message ?? 'invalid'}`);
}
