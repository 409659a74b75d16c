import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CentralDb } from '../../../src-main/pool/central/db';
import { CentralRepos } from '../../../src-main/pool/central/repos';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src-main/pool/central/schema';
import { XdcError } from '../../../src-main/pool/errors';

const here = dirname(fileURLToPath(import.meta.url));

function host(id: string) {
  return {
    id,
    name: id,
    state: 'up',
    volumeServer: id === 'h1',
    memoryMib: 8192,
    xprtld: null,
    reportedBy: id,
    reportedAt: 10,
  };
}

describe('the central server database', () => {
  let labDir: string;
  const open: CentralDb[] = [];
  const openDb = (opts?: Parameters<typeof CentralDb.open>[1]) => {
    const db = CentralDb.open(labDir, opts);
    open.push(db);
    return db;
  };
  const closeAll = () => {
    for (const db of open.splice(0)) db.close();
  };

  beforeEach(() => {
    labDir = mkdtempSync(join(tmpdir(), 'xdc-db-'));
  });
  afterEach(() => {
    closeAll();
    rmSync(labDir, { recursive: true, force: true });
  });

  it('creates <lab>/central/xdc.db with the current schema', () => {
    const db = openDb();
    expect(db.file).toBe(join(labDir, 'central', 'xdc.db'));
    expect(existsSync(db.file)).toBe(true);
    expect(db.schemaVersion).toBe(SCHEMA_VERSION);
    const tables = db
      .all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'users',
        'node_credentials',
        'settings',
        'hosts',
        'guests',
        'disks',
        'disk_groups',
        'volumes',
        'luns',
        'applications',
        'snapshots',
        'snapshot_sets',
        'schedules',
        'schedule_runs',
        'events',
        'migrations',
      ]),
    );
  });

  it('a transaction that throws leaves nothing behind', () => {
    const repos = new CentralRepos(openDb());
    repos.hosts.insert(host('h1'));
    expect(() =>
      repos.db.transaction(() => {
        repos.hosts.insert(host('h2'));
        repos.hosts.update({ id: 'h1' }, { state: 'down' });
        throw new Error('storage manager changed its mind');
      }),
    ).toThrow('storage manager changed its mind');
    expect(repos.hosts.list().map((h) => [h.id, h.state])).toEqual([['h1', 'up']]);
  });

  it('a nested transaction rolls back alone; the outer one commits', () => {
    const repos = new CentralRepos(openDb());
    repos.db.transaction(() => {
      repos.hosts.insert(host('h1'));
      expect(() =>
        repos.db.transaction(() => {
          repos.hosts.insert(host('h2'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(repos.hosts.list().map((h) => h.id)).toEqual(['h1']);
  });

  it('reopening keeps what was committed, typed as it went in', () => {
    const repos = new CentralRepos(openDb());
    repos.hosts.insert(host('h1'));
    repos.applications.insert({
      id: 'a1',
      guestId: 'g1',
      name: 'SG1',
      kind: 'exchange',
      state: 'online',
      luns: [0, 2],
      reportedBy: 'g1',
      reportedAt: 5,
    });
    repos.migrations.insert({
      jobId: 'm1',
      guestId: 'g1',
      fromHost: 'h1',
      toHost: 'h2',
      state: 'succeeded',
      phase: 'done',
      phases: [{ name: 'checks', startedAt: 0, endedAt: 3, detail: 'ok' }],
      rounds: 4,
      bytesSent: 123456,
      downtimeMs: 62,
      totalMs: 900,
      model: 'precopy',
      error: null,
      rolledBack: [],
      startedAt: 0,
      endedAt: 900,
    });
    closeAll();
    const again = new CentralRepos(openDb());
    expect(again.hosts.get({ id: 'h1' })).toEqual(host('h1'));
    expect(again.applications.get({ id: 'a1' })?.luns).toEqual([0, 2]);
    expect(again.migrations.get({ jobId: 'm1' })).toMatchObject({
      downtimeMs: 62,
      rounds: 4,
      error: null,
      phases: [{ name: 'checks' }],
    });
  });

  it('a guest report replaces the previous one whole, or not at all', () => {
    const repos = new CentralRepos(openDb());
    const by = { reportedBy: 'g1', reportedAt: 1 };
    const lun = (n: number) => ({
      lun: n,
      vdiId: `vdi-${n}`,
      sizeBytes: 1 << 30,
      serial: `S${n}`,
      naa: `600${n}`,
    });
    repos.replaceGuestReport('g1', { luns: [lun(0), lun(1)], applications: [] }, by);
    expect(() =>
      repos.replaceGuestReport('g1', { luns: [lun(5), lun(5)], applications: [] }, { ...by, reportedAt: 2 }),
    ).toThrow(XdcError);
    expect(repos.luns.list({ guestId: 'g1' }).map((l) => l.lun)).toEqual([0, 1]);
    repos.replaceGuestReport('g1', { luns: [lun(3)], applications: [] }, { ...by, reportedAt: 3 });
    expect(repos.luns.list({ guestId: 'g1' })).toEqual([
      { ...lun(3), guestId: 'g1', reportedBy: 'g1', reportedAt: 3 },
    ]);
  });

  it('refuses a second open of the same lab in one process', () => {
    openDb();
    expect(() => CentralDb.open(labDir)).toThrow(/already open/);
  });

  it('a file that is not a database is ERR_LAB_CORRUPT naming it, and is left as it was', () => {
    const db = openDb();
    const file = db.file;
    closeAll();
    writeFileSync(file, 'these are my holiday notes, not a database\n'.repeat(200));
    const err = (() => {
      try {
        CentralDb.open(labDir);
      } catch (e) {
        return e as XdcError;
      }
    })();
    expect(err?.code).toBe('ERR_LAB_CORRUPT');
    expect(err?.message).toContain(file);
    expect(readFileSync(file, 'utf8')).toMatch(/^these are my holiday notes/);
  });

  it('a database with damaged pages fails the integrity check with ERR_LAB_CORRUPT', () => {
    const repos = new CentralRepos(openDb());
    repos.db.transaction(() => {
      for (let i = 0; i < 300; i++)
        repos.hosts.insert({ ...host(`h${i}`), name: `host-${'n'.repeat(100)}-${i}` });
    });
    const file = repos.db.file;
    closeAll();
    const bytes = readFileSync(file);
    for (let p = 4096 * 2; p < bytes.length; p += 4096) bytes.fill(0xa5, p + 8, p + 600);
    writeFileSync(file, bytes);
    expect(() => CentralDb.open(labDir)).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_CORRUPT', message: expect.stringContaining(file) }),
    );
  });

  it('a lab folder that cannot hold the database is ERR_LAB_IO', () => {
    writeFileSync(join(labDir, 'central'), 'a file where the folder should be');
    expect(() => CentralDb.open(labDir)).toThrow(expect.objectContaining({ code: 'ERR_LAB_IO' }));
  });

  it('a write that fails (journal on a full device) is a clear error and loses nothing committed', () => {
    let free = Number.POSITIVE_INFINITY;
    const repos = new CentralRepos(openDb({ freeBytes: () => free }));
    repos.hosts.insert(host('h1'));
    symlinkSync('/dev/full', `${repos.db.file}-journal`);
    expect(() => repos.hosts.insert(host('h2'))).toThrow(expect.objectContaining({ code: 'ERR_LAB_IO' }));
    free = 0;
    rmSync(`${repos.db.file}-journal`, { force: true });
    symlinkSync('/dev/full', `${repos.db.file}-journal`);
    expect(() => repos.hosts.insert(host('h3'))).toThrow(expect.objectContaining({ code: 'ERR_NO_SPACE' }));
    rmSync(`${repos.db.file}-journal`, { force: true });
    free = Number.POSITIVE_INFINITY;
    repos.hosts.insert(host('h4'));
    expect(repos.hosts.list().map((h) => h.id)).toEqual(['h1', 'h4']);
  });

  it('after the process is killed mid-transaction, reopening gives the last committed state', () => {
    const repos = new CentralRepos(openDb());
    repos.db.run(
      "INSERT INTO events (time, kind, source, message) VALUES (1, 'committed', 'test', 'before the crash')",
    );
    closeAll();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(here, 'kill-mid-transaction.ts'), labDir],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.signal).toBe('SIGKILL');
    const file = join(labDir, 'central', 'xdc.db');
    expect(existsSync(`${file}-journal`)).toBe(true);
    const db = openDb();
    expect(db.all('PRAGMA quick_check')).toEqual([{ quick_check: 'ok' }]);
    expect(db.all<{ kind: string }>('SELECT kind FROM events').map((r) => r.kind)).toEqual(['committed']);
    db.run("INSERT INTO events (time, kind, source, message) VALUES (2, 'after', 'test', 'life goes on')");
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events')?.n).toBe(2);
  });

  it('a database from a newer XDC Lab is refused, not downgraded', () => {
    openDb({
      migrations: [
        ...MIGRATIONS,
        { version: SCHEMA_VERSION + 1, summary: 'future', sql: 'CREATE TABLE future (x)' },
      ],
    });
    closeAll();
    expect(() => CentralDb.open(labDir)).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
  });
});
