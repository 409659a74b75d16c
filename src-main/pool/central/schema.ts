/**
 * The central server's schema as versioned migrations (PRAGMA user_version). A migration is
 * applied once, in one transaction with the version bump; never edit a shipped one, append.
 *
 * Inventory tables hold what the agents REPORTED (with the reporting node and the pool time of
 * the report), not the live pool: the invariant "database and pool agree" compares the two.
 */
export interface Migration {
  version: number;
  summary: string;
  sql: string;
}

const reported = 'reported_by TEXT NOT NULL, reported_at REAL NOT NULL';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    summary: 'users, node credentials, settings, inventory, snapshots, schedules, events, migrations',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin','operator','viewer')),
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
      );
      CREATE TABLE node_credentials (
        node_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('central','dom0','guest')),
        secret_hash TEXT NOT NULL,
        created_at REAL NOT NULL
      );

      CREATE TABLE hosts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL, volume_server INTEGER NOT NULL,
        memory_mib REAL NOT NULL, xprtld TEXT, ${reported}
      );
      CREATE TABLE guests (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, os TEXT NOT NULL, host_id TEXT NOT NULL, state TEXT NOT NULL,
        memory_mib REAL NOT NULL, central INTEGER NOT NULL, ${reported}
      );
      CREATE TABLE disk_groups (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, size_bytes INTEGER NOT NULL, free_bytes INTEGER NOT NULL, ${reported}
      );
      CREATE TABLE disks (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, size_bytes INTEGER NOT NULL, state TEXT NOT NULL,
        disk_group_id TEXT, ${reported}
      );
      CREATE TABLE volumes (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, disk_group_id TEXT NOT NULL, size_bytes INTEGER NOT NULL,
        owner_host_id TEXT, guest_id TEXT, lun INTEGER, ${reported}
      );
      CREATE TABLE luns (
        guest_id TEXT NOT NULL, lun INTEGER NOT NULL, vdi_id TEXT NOT NULL, size_bytes INTEGER NOT NULL,
        serial TEXT NOT NULL, naa TEXT NOT NULL, ${reported},
        PRIMARY KEY (guest_id, lun)
      );
      CREATE TABLE applications (
        id TEXT PRIMARY KEY, guest_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
        luns TEXT NOT NULL, ${reported}
      );
      CREATE INDEX applications_guest ON applications (guest_id);

      CREATE TABLE snapshot_sets (
        id TEXT PRIMARY KEY, guest_id TEXT NOT NULL, created_at REAL NOT NULL,
        consistency TEXT NOT NULL CHECK (consistency IN ('application','crash')),
        state TEXT NOT NULL, writers TEXT NOT NULL, error TEXT
      );
      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY, volume_id TEXT NOT NULL, name TEXT NOT NULL, created_at REAL NOT NULL,
        cow_bytes INTEGER NOT NULL, set_id TEXT REFERENCES snapshot_sets (id) ON DELETE SET NULL,
        consistency TEXT NOT NULL CHECK (consistency IN ('application','crash'))
      );
      CREATE INDEX snapshots_volume ON snapshots (volume_id);

      CREATE TABLE schedules (
        id TEXT PRIMARY KEY, guest_id TEXT NOT NULL, name TEXT NOT NULL, targets TEXT NOT NULL,
        interval_ms REAL NOT NULL, retention INTEGER NOT NULL, consistency TEXT NOT NULL,
        enabled INTEGER NOT NULL, next_run_at REAL, created_at REAL NOT NULL
      );
      CREATE TABLE schedule_runs (
        id TEXT PRIMARY KEY, schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
        started_at REAL NOT NULL, ended_at REAL, state TEXT NOT NULL, snapshot_set_id TEXT, error TEXT
      );
      CREATE INDEX schedule_runs_schedule ON schedule_runs (schedule_id, started_at);

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
        subject TEXT, message TEXT NOT NULL, data TEXT
      );
      CREATE INDEX events_kind ON events (kind, seq);

      CREATE TABLE migrations (
        job_id TEXT PRIMARY KEY, guest_id TEXT NOT NULL, from_host TEXT NOT NULL, to_host TEXT NOT NULL,
        state TEXT NOT NULL, phase TEXT NOT NULL, phases TEXT NOT NULL, rounds INTEGER NOT NULL,
        bytes_sent INTEGER NOT NULL, downtime_ms REAL, total_ms REAL, model TEXT NOT NULL,
        error TEXT, rolled_back TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL
      );
      CREATE INDEX migrations_guest ON migrations (guest_id, started_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
