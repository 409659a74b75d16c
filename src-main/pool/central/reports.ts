/**
 * The storage manager's side of the managed hosts, on the central server: it receives what
 * every guest's XDC Reporter pushes (`POST /xdc/v1/reports`), keeps the inventory tables (LUNs,
 * applications) and the event log FROM THOSE REPORTS, answers LUN -> VDI lookups for DCLI,
 * and stores the guests' snapshot-set records and snapshot schedules (so they survive a
 * restart). The pool view reads guests' LUNs and apps from here (`guestView`).
 *
 * A node may only write its own records: the guest id in a body must be the caller's node id.
 * Reports are idempotent per (bootId, seq): one whose answer was lost and is sent again
 * refreshes the inventory but is not logged twice.
 *
 * Storage of a set record: the snapshot_sets and snapshots tables hold what they have columns
 * for (id, guest, time, consistency, writers; one snapshot row per member volume); the guest's
 * own naming of the set (name, target, schedule, LUN per member) is kept beside it in the
 * settings table under `guest-set:<setId>`, written in the same transaction.
 */
import { z } from 'zod';
import type { AppView, LunView } from '../../api/contract';
import { XdcError } from '../errors';
import { CentralRoutes } from '../guest/links';
import {
  GuestReport,
  type LunBacking,
  parseBody,
  ScheduleRecord,
  ScheduleRunRecord,
  SnapshotSetRecord,
} from '../guest/wire';
import type { PoolClock } from '../net/clock';
import type { RequestContext, VerifiedCaller, Xprtld } from '../net/xprtld';
import type { EventLog } from './events';
import type { CentralRepos } from './repos';

export interface GuestReportsOptions {
  repos: CentralRepos;
  events: EventLog;
  clock: PoolClock;
  /** Read-only query over the volume server: which VDI and disk group is behind an NAA id. */
  resolveVdi: (naaHex: string) => LunBacking | null;
}

export interface GuestInventoryView {
  luns: LunView[];
  apps: AppView[];
  /** Pool time of the newest report, null when the guest never reported. */
  reportedAt: number | null;
}

const SET_KEY = (setId: string) => `guest-set:${setId}`;
const ScheduleTargets = z.object({ target: z.string(), targetKind: z.enum(['app', 'lun']) });

export class GuestReports {
  private readonly lastSeen = new Map<string, { bootId: string; seq: number }>();

  constructor(private readonly o: GuestReportsOptions) {}

  /** Registers the storage manager's guest-facing routes on the central server's xprtld. */
  register(x: Xprtld): void {
    x.route('POST', CentralRoutes.reports, (ctx) => this.onReport(ctx), { role: 'node' });
    x.route(
      'GET',
      '/xdc/v1/luns/{naa}',
      (ctx) => this.o.resolveVdi(ctx.params.naa!.toLowerCase().replace(/^naa\./, '')),
      {
        role: 'viewer',
      },
    );
    x.route('POST', CentralRoutes.snapshotSets, (ctx) => this.onRecordSet(ctx), { role: 'node' });
    x.route(
      'GET',
      '/xdc/v1/guests/{guestId}/snapshot-sets',
      (ctx) => this.listSets(readable(ctx, ctx.params.guestId!)),
      {
        role: 'viewer',
      },
    );
    x.route('DELETE', '/xdc/v1/snapshot-sets/{setId}', (ctx) => this.onForgetSet(ctx), { role: 'node' });
    x.route(
      'GET',
      '/xdc/v1/guests/{guestId}/schedules',
      (ctx) => this.listSchedules(readable(ctx, ctx.params.guestId!)),
      {
        role: 'viewer',
      },
    );
    x.route('POST', '/xdc/v1/guests/{guestId}/schedules', (ctx) => this.onAddSchedule(ctx), { role: 'node' });
    x.route('DELETE', '/xdc/v1/schedules/{id}', (ctx) => this.onRemoveSchedule(ctx), { role: 'node' });
    x.route('POST', '/xdc/v1/schedules/{id}/runs', (ctx) => this.onScheduleRun(ctx), { role: 'node' });
  }

  // ------------------------------------------------------------------ reports and inventory

  /** Applies one report: the guest's inventory is replaced and the change is logged, in one transaction. */
  applyReport(r: GuestReport, reportedBy: string): { logged: boolean } {
    const last = this.lastSeen.get(r.guestId);
    const duplicate = last !== undefined && last.bootId === r.bootId && r.seq <= last.seq;
    const by = { reportedBy, reportedAt: r.time };
    this.o.repos.db.transaction(() => {
      this.o.repos.replaceGuestReport(
        r.guestId,
        {
          luns: r.inventory.luns.map((l) => ({
            lun: l.lun,
            vdiId: (l.naa ? this.o.resolveVdi(l.naa)?.vdiId : null) ?? 'unknown',
            sizeBytes: l.sizeBytes,
            serial: l.serial,
            naa: l.naa ?? '',
          })),
          applications: r.inventory.apps.map((a) => ({
            id: `${r.guestId}:${a.id}`,
            name: a.name,
            kind: a.kind,
            state: a.state,
            luns: a.luns,
          })),
        },
        by,
      );
      if (!duplicate) {
        this.o.events.append({
          time: r.time,
          kind: r.kind,
          source: r.guestId,
          subject: r.subject,
          message: r.message,
          data: { ...(r.data ?? {}), reportSeq: r.seq },
        });
      }
    });
    if (!duplicate) this.lastSeen.set(r.guestId, { bootId: r.bootId, seq: r.seq });
    return { logged: !duplicate };
  }

  guestView(guestId: string): GuestInventoryView {
    return inventoryView(
      guestId,
      this.o.repos.luns.list({ guestId }, { orderBy: 'lun' }),
      this.o.repos.applications.list({ guestId }),
    );
  }

  /**
   * Every guest that ever reported, by guest id. Two queries for the whole pool, not two per
   * guest: the pool view of a 2,048-guest pool asks this on every GET /pool.
   */
  allGuestViews(): Map<string, GuestInventoryView> {
    const luns = new Map<string, LunRow[]>();
    const apps = new Map<string, AppRow[]>();
    for (const l of this.o.repos.luns.list({}, { orderBy: 'lun' })) {
      const list = luns.get(l.guestId) ?? [];
      list.push(l);
      luns.set(l.guestId, list);
    }
    for (const a of this.o.repos.applications.list()) {
      const list = apps.get(a.guestId) ?? [];
      list.push(a);
      apps.set(a.guestId, list);
    }
    const ids = [...new Set([...luns.keys(), ...apps.keys()])].sort();
    return new Map(ids.map((id) => [id, inventoryView(id, luns.get(id) ?? [], apps.get(id) ?? [])]));
  }

  // ------------------------------------------------------------------ snapshot sets

  recordSet(set: SnapshotSetRecord): void {
    const { repos } = this.o;
    repos.db.transaction(() => {
      repos.recordSnapshotSet(
        {
          id: set.setId,
          guestId: set.guestId,
          createdAt: set.createdAt,
          consistency: set.consistency,
          state: 'complete',
          writers: set.writers,
          error: null,
        },
        set.members.map((m) => ({
          id: m.snapshotId,
          volumeId: m.vdiId,
          name: set.name,
          createdAt: set.createdAt,
          cowBytes: 0,
          setId: set.setId,
          consistency: set.consistency,
        })),
      );
      repos.setSetting(SET_KEY(set.setId), JSON.stringify(set));
    });
  }

  /** A guest's sets in the order they were recorded (pool time starts again at 0 when a lab is reopened). */
  listSets(guestId: string): SnapshotSetRecord[] {
    const out: SnapshotSetRecord[] = [];
    const rows = this.o.repos.db.all<{ id: string }>(
      'SELECT id FROM snapshot_sets WHERE guest_id = ? ORDER BY rowid',
      [guestId],
    );
    for (const row of rows) {
      const raw = this.o.repos.setting(SET_KEY(row.id));
      if (!raw) continue;
      const parsed = SnapshotSetRecord.safeParse(JSON.parse(raw));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  forgetSet(setId: string): void {
    const { repos } = this.o;
    repos.db.transaction(() => {
      repos.snapshots.delete({ setId });
      repos.snapshotSets.delete({ id: setId });
      repos.settings.delete({ key: SET_KEY(setId) });
    });
  }

  // ------------------------------------------------------------------ schedules

  addSchedule(s: ScheduleRecord): void {
    this.o.repos.schedules.insert({
      id: s.id,
      guestId: s.guestId,
      name: s.target,
      targets: { target: s.target, targetKind: s.targetKind },
      intervalMs: s.everyMs,
      retention: s.keep,
      consistency: s.consistency,
      enabled: true,
      nextRunAt: null,
      createdAt: s.createdAt,
    });
  }

  listSchedules(guestId: string): ScheduleRecord[] {
    return this.o.repos.schedules.list({ guestId }, { orderBy: 'createdAt' }).flatMap((row) => {
      const t = ScheduleTargets.safeParse(row.targets);
      if (!t.success) return [];
      return [
        {
          id: row.id,
          guestId: row.guestId,
          target: t.data.target,
          targetKind: t.data.targetKind,
          everyMs: row.intervalMs,
          keep: row.retention,
          consistency: row.consistency,
          createdAt: row.createdAt,
        },
      ];
    });
  }

  recordRun(run: ScheduleRunRecord): void {
    const { repos } = this.o;
    repos.db.transaction(() => {
      repos.scheduleRuns.insert({
        id: `${run.scheduleId}@${run.startedAt}:${Math.random().toString(36).slice(2, 8)}`,
        scheduleId: run.scheduleId,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        state: run.ok ? 'succeeded' : 'failed',
        snapshotSetId: run.setId,
        error: run.error,
      });
      repos.pruneScheduleRuns(run.scheduleId, 100);
    });
  }

  // ------------------------------------------------------------------ route handlers

  private onReport(ctx: RequestContext): { logged: boolean } {
    const r = parseBody(GuestReport, ctx.body, 'report');
    ownGuest(ctx.caller, r.guestId);
    return this.applyReport(r, ctx.caller!.principal);
  }

  private onRecordSet(ctx: RequestContext): { ok: true } {
    const set = parseBody(SnapshotSetRecord, ctx.body, 'snapshot set');
    ownGuest(ctx.caller, set.guestId);
    this.recordSet(set);
    return { ok: true };
  }

  private onForgetSet(ctx: RequestContext): { ok: true } {
    const setId = ctx.params.setId!;
    const row = this.o.repos.snapshotSets.get({ id: setId });
    if (!row) throw new XdcError('ERR_NOT_FOUND', `no snapshot set ${setId} on the central server`);
    ownGuest(ctx.caller, row.guestId);
    this.forgetSet(setId);
    return { ok: true };
  }

  private onAddSchedule(ctx: RequestContext): { ok: true } {
    const s = parseBody(ScheduleRecord, ctx.body, 'schedule');
    ownGuest(ctx.caller, ctx.params.guestId!);
    if (s.guestId !== ctx.params.guestId)
      throw new XdcError(
        'ERR_VALIDATION',
        `schedule is for ${s.guestId}, posted under ${ctx.params.guestId}`,
      );
    this.addSchedule(s);
    return { ok: true };
  }

  private onRemoveSchedule(ctx: RequestContext): { ok: true } {
    const row = this.o.repos.schedules.get({ id: ctx.params.id! });
    if (!row) throw new XdcError('ERR_NOT_FOUND', `no schedule ${ctx.params.id} on the central server`);
    ownGuest(ctx.caller, row.guestId);
    this.o.repos.schedules.delete({ id: row.id });
    return { ok: true };
  }

  private onScheduleRun(ctx: RequestContext): { ok: true } {
    const run = parseBody(ScheduleRunRecord, ctx.body, 'schedule run');
    const row = this.o.repos.schedules.get({ id: ctx.params.id! });
    if (!row) throw new XdcError('ERR_NOT_FOUND', `no schedule ${ctx.params.id} on the central server`);
    ownGuest(ctx.caller, row.guestId);
    if (run.scheduleId !== row.id)
      throw new XdcError('ERR_VALIDATION', `run is for ${run.scheduleId}, posted under ${row.id}`);
    this.recordRun(run);
    return { ok: true };
  }
}

/** A node writes only its own records. */
function ownGuest(caller: VerifiedCaller | null, guestId: string): void {
  if (caller?.kind !== 'node' || caller.nodeId !== guestId) {
    throw new XdcError(
      'ERR_FORBIDDEN',
      `${caller?.principal ?? 'anonymous'} may not write records of guest ${guestId}`,
    );
  }
}

/** Users (viewer and up) read any guest's records; a node reads only its own. */
function readable(ctx: RequestContext, guestId: string): string {
  if (ctx.caller?.kind === 'node' && ctx.caller.nodeId !== guestId) {
    throw new XdcError('ERR_FORBIDDEN', `${ctx.caller.principal} may not read records of guest ${guestId}`);
  }
  return guestId;
}

type LunRow = ReturnType<CentralRepos['luns']['list']>[number];
type AppRow = ReturnType<CentralRepos['applications']['list']>[number];

function inventoryView(guestId: string, luns: LunRow[], apps: AppRow[]): GuestInventoryView {
  let reportedAt: number | null = null;
  for (const t of [...luns.map((l) => l.reportedAt), ...apps.map((a) => a.reportedAt)])
    reportedAt = Math.max(reportedAt ?? t, t);
  return {
    luns: luns.map((l) => ({
      lun: l.lun,
      vdiId: l.vdiId,
      sizeBytes: l.sizeBytes,
      serial: l.serial,
      naa: l.naa,
    })),
    apps: apps.map((a) => ({
      id: a.id.slice(guestId.length + 1),
      name: a.name,
      kind: a.kind === 'sqlserver' ? 'sqlserver' : 'exchange',
      state: a.state === 'frozen' ? 'frozen' : a.state === 'offline' ? 'offline' : 'online',
      luns: a.luns,
    })),
    reportedAt,
  };
}
