/**
 * The managed host's two peers over xprtld: the central server (storage manager: reports,
 * LUN -> VDI lookups, snapshot-set records, schedules) and the Dom0 it runs on (the VSS
 * hardware provider's endpoint). Every call is a real HTTP request through the fabric with this
 * guest's VRTSat token; the Dom0 is looked up at call time because migration changes it.
 */

import { z } from 'zod';
import type { CallOptions, Fabric, NodeCredentials } from '../net/fabric';
import {
  type GuestReport,
  LunBacking,
  parseBody,
  RestoreResult,
  type ScheduleRecord,
  type ScheduleRunRecord,
  ScheduleRecord as ScheduleSchema,
  SnapshotSetRecord as SetRecordSchema,
  type SnapshotSetCreated,
  SnapshotSetCreated as SnapshotSetCreatedSchema,
  type SnapshotSetDelete,
  type SnapshotSetRecord,
  type SnapshotSetRequest,
  type SnapshotSetRestore,
} from './wire';

export const CentralRoutes = {
  reports: '/xdc/v1/reports',
  lun: (naa: string) => `/xdc/v1/luns/${encodeURIComponent(naa)}`,
  snapshotSets: '/xdc/v1/snapshot-sets',
  guestSnapshotSets: (guestId: string) => `/xdc/v1/guests/${encodeURIComponent(guestId)}/snapshot-sets`,
  snapshotSet: (setId: string) => `/xdc/v1/snapshot-sets/${encodeURIComponent(setId)}`,
  guestSchedules: (guestId: string) => `/xdc/v1/guests/${encodeURIComponent(guestId)}/schedules`,
  schedule: (id: string) => `/xdc/v1/schedules/${encodeURIComponent(id)}`,
  scheduleRuns: (id: string) => `/xdc/v1/schedules/${encodeURIComponent(id)}/runs`,
} as const;

export const Dom0Routes = {
  createSet: '/xdc/v1/vss/snapshot-set',
  deleteSet: '/xdc/v1/vss/snapshot-set/delete',
  restoreSet: '/xdc/v1/vss/snapshot-set/restore',
} as const;

export class CentralLink {
  constructor(
    private readonly fabric: Fabric,
    private readonly credentials: NodeCredentials,
    private readonly centralNodeId: string,
  ) {}

  private call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    opts?: CallOptions,
  ): Promise<T> {
    return this.fabric.call<T>(this.credentials, this.centralNodeId, method, path, body, opts);
  }

  async report(r: GuestReport): Promise<void> {
    await this.call('POST', CentralRoutes.reports, r);
  }

  async lookupLun(naa: string): Promise<LunBacking | null> {
    const r = await this.call<unknown>('GET', CentralRoutes.lun(naa));
    return r === null ? null : parseBody(LunBacking, r, 'storage manager LUN lookup');
  }

  async recordSet(set: SnapshotSetRecord): Promise<void> {
    await this.call('POST', CentralRoutes.snapshotSets, set);
  }

  async listSets(guestId: string): Promise<SnapshotSetRecord[]> {
    return parseBody(
      z.array(SetRecordSchema),
      await this.call('GET', CentralRoutes.guestSnapshotSets(guestId)),
      'snapshot sets',
    );
  }

  async forgetSet(setId: string): Promise<void> {
    await this.call('DELETE', CentralRoutes.snapshotSet(setId));
  }

  async listSchedules(guestId: string): Promise<ScheduleRecord[]> {
    return parseBody(
      z.array(ScheduleSchema),
      await this.call('GET', CentralRoutes.guestSchedules(guestId)),
      'schedules',
    );
  }

  async addSchedule(s: ScheduleRecord): Promise<void> {
    await this.call('POST', CentralRoutes.guestSchedules(s.guestId), s);
  }

  async removeSchedule(id: string): Promise<void> {
    await this.call('DELETE', CentralRoutes.schedule(id));
  }

  async recordRun(run: ScheduleRunRecord): Promise<void> {
    await this.call('POST', CentralRoutes.scheduleRuns(run.scheduleId), run);
  }
}

export class Dom0Link {
  constructor(
    private readonly fabric: Fabric,
    private readonly credentials: NodeCredentials,
    private readonly hostNodeId: () => string,
  ) {}

  async createSet(req: SnapshotSetRequest, opts?: CallOptions): Promise<SnapshotSetCreated> {
    const r = await this.fabric.call(
      this.credentials,
      this.hostNodeId(),
      'POST',
      Dom0Routes.createSet,
      req,
      opts,
    );
    return parseBody(SnapshotSetCreatedSchema, r, 'Dom0 snapshot-set answer');
  }

  async deleteSet(req: SnapshotSetDelete, opts?: CallOptions): Promise<void> {
    await this.fabric.call(this.credentials, this.hostNodeId(), 'POST', Dom0Routes.deleteSet, req, opts);
  }

  async restoreSet(req: SnapshotSetRestore, opts?: CallOptions): Promise<RestoreResult> {
    const r = await this.fabric.call(
      this.credentials,
      this.hostNodeId(),
      'POST',
      Dom0Routes.restoreSet,
      req,
      {
        timeoutMs: 60_000,
        ...opts,
      },
    );
    return parseBody(RestoreResult, r, 'Dom0 restore answer');
  }
}
