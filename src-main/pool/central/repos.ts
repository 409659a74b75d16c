/**
 * Typed repositories over the central server's tables. Each table is a `Table<Row>` with
 * insert/upsert/update/get/list/delete; the functions below are the multi-row changes the
 * storage manager makes, each in ONE transaction.
 */
import type { Role } from '../../api/contract';
import type { CentralDb } from './db';
import { Table } from './table';

export interface Reported {
  reportedBy: string;
  reportedAt: number;
}

export interface UserRow {
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
}
export interface NodeCredentialRow {
  nodeId: string;
  kind: 'central' | 'dom0' | 'guest';
  secretHash: string;
  createdAt: number;
}
export interface SettingRow {
  key: string;
  value: string;
}
export interface HostRow extends Reported {
  id: string;
  name: string;
  state: string;
  volumeServer: boolean;
  memoryMib: number;
  xprtld: string | null;
}
export interface GuestRow extends Reported {
  id: string;
  name: string;
  os: string;
  hostId: string;
  state: string;
  memoryMib: number;
  central: boolean;
}
export interface DiskGroupRow extends Reported {
  id: string;
  name: string;
  sizeBytes: number;
  freeBytes: number;
}
export interface DiskRow extends Reported {
  id: string;
  name: string;
  sizeBytes: number;
  state: string;
  diskGroupId: string | null;
}
export interface VolumeRow extends Reported {
  id: string;
  name: string;
  diskGroupId: string;
  sizeBytes: number;
  ownerHostId: string | null;
  guestId: string | null;
  lun: number | null;
}
export interface LunRow extends Reported {
  guestId: string;
  lun: number;
  vdiId: string;
  sizeBytes: number;
  serial: string;
  naa: string;
}
export interface ApplicationRow extends Reported {
  id: string;
  guestId: string;
  name: string;
  kind: string;
  state: string;
  luns: number[];
}
export interface SnapshotSetRow {
  id: string;
  guestId: string;
  createdAt: number;
  consistency: 'application' | 'crash';
  state: string;
  writers: string[];
  error: string | null;
}
export interface SnapshotRow {
  id: string;
  volumeId: string;
  name: string;
  createdAt: number;
  cowBytes: number;
  setId: string | null;
  consistency: 'application' | 'crash';
}
export interface ScheduleRow {
  id: string;
  guestId: string;
  name: string;
  /** What each run snapshots (LUNs, applications), as the scheduler defines it. */
  targets: unknown;
  intervalMs: number;
  retention: number;
  consistency: 'application' | 'crash';
  enabled: boolean;
  nextRunAt: number | null;
  createdAt: number;
}
export interface ScheduleRunRow {
  id: string;
  scheduleId: string;
  startedAt: number;
  endedAt: number | null;
  state: string;
  snapshotSetId: string | null;
  error: string | null;
}
export interface MigrationRow {
  jobId: string;
  guestId: string;
  fromHost: string;
  toHost: string;
  state: string;
  phase: string;
  /** PhaseRecord[] as the migration job reports them. */
  phases: unknown;
  rounds: number;
  bytesSent: number;
  downtimeMs: number | null;
  totalMs: number | null;
  model: string;
  error: { code: string; message: string } | null;
  rolledBack: string[];
  startedAt: number;
  endedAt: number | null;
}

const reported = { reportedBy: 'text', reportedAt: 'number' } as const;

export class CentralRepos {
  readonly users: Table<UserRow>;
  readonly nodeCredentials: Table<NodeCredentialRow>;
  readonly settings: Table<SettingRow>;
  readonly hosts: Table<HostRow>;
  readonly guests: Table<GuestRow>;
  readonly diskGroups: Table<DiskGroupRow>;
  readonly disks: Table<DiskRow>;
  readonly volumes: Table<VolumeRow>;
  readonly luns: Table<LunRow>;
  readonly applications: Table<ApplicationRow>;
  readonly snapshotSets: Table<SnapshotSetRow>;
  readonly snapshots: Table<SnapshotRow>;
  readonly schedules: Table<ScheduleRow>;
  readonly scheduleRuns: Table<ScheduleRunRow>;
  readonly migrations: Table<MigrationRow>;

  constructor(readonly db: CentralDb) {
    this.users = new Table<UserRow>(
      db,
      'users',
      { name: 'text', role: 'text', passwordHash: 'text', createdAt: 'number', updatedAt: 'number' },
      ['name'],
    );
    this.nodeCredentials = new Table<NodeCredentialRow>(
      db,
      'node_credentials',
      { nodeId: 'text', kind: 'text', secretHash: 'text', createdAt: 'number' },
      ['nodeId'],
    );
    this.settings = new Table<SettingRow>(db, 'settings', { key: 'text', value: 'text' }, ['key']);
    this.hosts = new Table<HostRow>(
      db,
      'hosts',
      {
        id: 'text',
        name: 'text',
        state: 'text',
        volumeServer: 'bool',
        memoryMib: 'number',
        xprtld: 'text',
        ...reported,
      },
      ['id'],
    );
    this.guests = new Table<GuestRow>(
      db,
      'guests',
      {
        id: 'text',
        name: 'text',
        os: 'text',
        hostId: 'text',
        state: 'text',
        memoryMib: 'number',
        central: 'bool',
        ...reported,
      },
      ['id'],
    );
    this.diskGroups = new Table<DiskGroupRow>(
      db,
      'disk_groups',
      { id: 'text', name: 'text', sizeBytes: 'number', freeBytes: 'number', ...reported },
      ['id'],
    );
    this.disks = new Table<DiskRow>(
      db,
      'disks',
      { id: 'text', name: 'text', sizeBytes: 'number', state: 'text', diskGroupId: 'text', ...reported },
      ['id'],
    );
    this.volumes = new Table<VolumeRow>(
      db,
      'volumes',
      {
        id: 'text',
        name: 'text',
        diskGroupId: 'text',
        sizeBytes: 'number',
        ownerHostId: 'text',
        guestId: 'text',
        lun: 'number',
        ...reported,
      },
      ['id'],
    );
    this.luns = new Table<LunRow>(
      db,
      'luns',
      {
        guestId: 'text',
        lun: 'number',
        vdiId: 'text',
        sizeBytes: 'number',
        serial: 'text',
        naa: 'text',
        ...reported,
      },
      ['guestId', 'lun'],
    );
    this.applications = new Table<ApplicationRow>(
      db,
      'applications',
      { id: 'text', guestId: 'text', name: 'text', kind: 'text', state: 'text', luns: 'json', ...reported },
      ['id'],
    );
    this.snapshotSets = new Table<SnapshotSetRow>(
      db,
      'snapshot_sets',
      {
        id: 'text',
        guestId: 'text',
        createdAt: 'number',
        consistency: 'text',
        state: 'text',
        writers: 'json',
        error: 'text',
      },
      ['id'],
    );
    this.snapshots = new Table<SnapshotRow>(
      db,
      'snapshots',
      {
        id: 'text',
        volumeId: 'text',
        name: 'text',
        createdAt: 'number',
        cowBytes: 'number',
        setId: 'text',
        consistency: 'text',
      },
      ['id'],
    );
    this.schedules = new Table<ScheduleRow>(
      db,
      'schedules',
      {
        id: 'text',
        guestId: 'text',
        name: 'text',
        targets: 'json',
        intervalMs: 'number',
        retention: 'number',
        consistency: 'text',
        enabled: 'bool',
        nextRunAt: 'number',
        createdAt: 'number',
      },
      ['id'],
    );
    this.scheduleRuns = new Table<ScheduleRunRow>(
      db,
      'schedule_runs',
      {
        id: 'text',
        scheduleId: 'text',
        startedAt: 'number',
        endedAt: 'number',
        state: 'text',
        snapshotSetId: 'text',
        error: 'text',
      },
      ['id'],
    );
    this.migrations = new Table<MigrationRow>(
      db,
      'migrations',
      {
        jobId: 'text',
        guestId: 'text',
        fromHost: 'text',
        toHost: 'text',
        state: 'text',
        phase: 'text',
        phases: 'json',
        rounds: 'number',
        bytesSent: 'number',
        downtimeMs: 'number',
        totalMs: 'number',
        model: 'text',
        error: 'json',
        rolledBack: 'json',
        startedAt: 'number',
        endedAt: 'number',
      },
      ['jobId'],
    );
  }

  setting(key: string): string | null {
    return this.settings.get({ key })?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.settings.upsert({ key, value });
  }

  /**
   * What a guest's XDC Reporter says it has now (LUNs and applications): replaces that guest's
   * previous report in one transaction, so the database never shows half a report.
   */
  replaceGuestReport(
    guestId: string,
    report: {
      luns: Array<Omit<LunRow, 'guestId' | keyof Reported>>;
      applications: Array<Omit<ApplicationRow, 'guestId' | keyof Reported>>;
    },
    by: Reported,
  ): void {
    this.db.transaction(() => {
      this.luns.delete({ guestId });
      this.applications.delete({ guestId });
      for (const l of report.luns) this.luns.insert({ ...l, guestId, ...by });
      for (const a of report.applications) this.applications.insert({ ...a, guestId, ...by });
    });
  }

  /** A VSS snapshot set and its member snapshots, all or nothing. */
  recordSnapshotSet(set: SnapshotSetRow, snapshots: SnapshotRow[]): void {
    this.db.transaction(() => {
      this.snapshotSets.upsert(set);
      for (const s of snapshots) this.snapshots.upsert({ ...s, setId: set.id });
    });
  }

  /** Forgets a volume and everything hanging off it. */
  deleteVolume(volumeId: string): void {
    this.db.transaction(() => {
      this.snapshots.delete({ volumeId });
      this.volumes.delete({ id: volumeId });
    });
  }

  /** Schedule runs beyond the newest `keep` for a schedule (retention bookkeeping). */
  pruneScheduleRuns(scheduleId: string, keep: number): number {
    return this.db.run(
      `DELETE FROM schedule_runs WHERE schedule_id = ? AND id NOT IN
         (SELECT id FROM schedule_runs WHERE schedule_id = ? ORDER BY started_at DESC LIMIT ?)`,
      [scheduleId, scheduleId, Math.max(0, Math.trunc(keep))],
    ).changes;
  }
}
