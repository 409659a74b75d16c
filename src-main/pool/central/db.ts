/**
 * The central server's SQL database: `<labDir>/central/xdc.db`, SQLite compiled to WebAssembly
 * (node-sqlite3-wasm) with real file access, the same in Node and Electron.
 *
 * Durability: rollback journal (journal_mode=DELETE) with synchronous=FULL. Measured on this
 * (shared, noisy) machine, one-row commits: FULL ~1.1-1.7 ms (600-800 commits/s), NORMAL
 * ~0.7-1.0 ms (950-1000/s); rows batched in one transaction ~0.01 ms each. FULL buys the
 * journal sync that NORMAL skips, i.e. no "very small chance" of losing a committed
 * (acknowledged) transaction on power loss; the lab commits per user-visible operation and
 * batches bursts, so FULL costs nothing a user can see.
 *
 * Opening never silently recreates anything: a file that is not a database, or fails
 * `PRAGMA quick_check`, is ERR_LAB_CORRUPT naming the file; an unwritable folder is ERR_LAB_IO;
 * a full disk ERR_NO_SPACE. A failed commit rolls back, so what was committed stays.
 *
 * Locking: the wasm VFS locks with a `<db>.lock` directory, which a killed process leaves
 * behind. We record our pid in `<db>.owner`; a lock whose owner is gone is removed on open (the
 * hot journal is then rolled back by SQLite), a live owner is ERR_CONFLICT.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Sqlite from 'node-sqlite3-wasm';
import { asXdcError, XdcError } from '../errors';
import { MIGRATIONS, type Migration } from './schema';

const require = createRequire(import.meta.url);
const sqlite = require('node-sqlite3-wasm') as typeof Sqlite;

export type SqlValue = number | string | Uint8Array | null;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;
export type SqlRow = Record<string, SqlValue | bigint>;

export interface CentralDbOptions {
  /** Migrations to apply (tests may pass extra ones). Default: the shipped schema. */
  migrations?: readonly Migration[];
  /** Free bytes of the folder, to tell a full disk from other I/O errors. Injectable for tests. */
  freeBytes?: (dir: string) => number;
}

/** Files open in this process: a second CentralDb on the same file would corrupt the lock protocol. */
const openFiles = new Set<string>();

export class CentralDb {
  readonly file: string;
  private readonly db: Sqlite.Database;
  private readonly freeBytes: (dir: string) => number;
  private depth = 0;
  private closed = false;
  private commitHooks: Array<() => void> = [];

  private constructor(file: string, db: Sqlite.Database, freeBytes: (dir: string) => number) {
    this.file = file;
    this.db = db;
    this.freeBytes = freeBytes;
  }

  /** Opens (or creates) the lab's database and brings its schema up to date. */
  static open(labDir: string, opts: CentralDbOptions = {}): CentralDb {
    const dir = join(labDir, 'central');
    const file = join(dir, 'xdc.db');
    return CentralDb.openFile(file, opts);
  }

  static openFile(file: string, opts: CentralDbOptions = {}): CentralDb {
    const freeBytes = opts.freeBytes ?? defaultFreeBytes;
    if (openFiles.has(file))
      throw new XdcError('ERR_CONFLICT', `the lab database ${file} is already open in this process`);
    const dir = dirname(file);
    try {
      mkdirSync(dir, { recursive: true });
      if (!statSync(dir).isDirectory()) throw new XdcError('ERR_LAB_IO', `${dir} is not a folder`);
    } catch (e) {
      if (e instanceof XdcError) throw e;
      throw ioError(e, `the lab folder ${dir} cannot be used`, dir, freeBytes);
    }
    if (existsSync(file) && statSync(file).isDirectory())
      throw new XdcError('ERR_LAB_CORRUPT', `${file} is a folder, not a database`);
    claimLock(file);
    let db: Sqlite.Database;
    try {
      db = new sqlite.Database(file);
    } catch (e) {
      releaseOwner(file);
      throw ioError(e, `the lab database ${file} cannot be opened`, dir, freeBytes);
    }
    const central = new CentralDb(file, db, freeBytes);
    try {
      central.checkIntegrity();
      central.db.exec('PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;');
      central.migrate(opts.migrations ?? MIGRATIONS);
    } catch (e) {
      central.closeQuietly();
      throw e;
    }
    openFiles.add(file);
    return central;
  }

  get schemaVersion(): number {
    return Number(this.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * Runs `fn` in one transaction: all of it commits, or on a throw none of it does and the
   * error is rethrown. Nested calls become savepoints, so a repository helper can be used
   * alone or inside a larger change.
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen();
    const savepoint = `sp${this.depth}`;
    this.exec(this.depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.depth++;
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise)
        throw new Error('db.transaction(fn): fn must be synchronous (SQLite here is synchronous)');
    } catch (e) {
      this.depth--;
      this.rollback(savepoint);
      throw e;
    }
    this.depth--;
    try {
      this.exec(this.depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
    } catch (e) {
      this.rollback(savepoint);
      throw e;
    }
    if (this.depth === 0) this.runCommitHooks();
    return result;
  }

  /**
   * Runs `fn` once the current outermost transaction commits (now, if there is none); dropped
   * if it rolls back. For effects outside the database (telling subscribers) that must not
   * announce something that may still be undone. A savepoint rolled back inside a committed
   * transaction does not drop hooks registered inside it: keep such effects out of savepoints.
   */
  afterCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.commitHooks.push(fn);
  }

  private runCommitHooks(): void {
    const hooks = this.commitHooks;
    this.commitHooks = [];
    for (const h of hooks) h();
  }

  run(sql: string, params?: SqlParams): { changes: number; lastInsertRowid: number } {
    this.assertOpen();
    try {
      const r = this.db.run(sql, params);
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    } catch (e) {
      throw this.mapError(e, sql);
    }
  }

  all<T extends object = SqlRow>(sql: string, params?: SqlParams): T[] {
    this.assertOpen();
    try {
      return this.db.all(sql, params) as unknown as T[];
    } catch (e) {
      throw this.mapError(e, sql);
    }
  }

  get<T extends object = SqlRow>(sql: string, params?: SqlParams): T | null {
    this.assertOpen();
    try {
      return this.db.get(sql, params) as unknown as T | null;
    } catch (e) {
      throw this.mapError(e, sql);
    }
  }

  exec(sql: string): void {
    this.assertOpen();
    try {
      this.db.exec(sql);
    } catch (e) {
      throw this.mapError(e, sql);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    openFiles.delete(this.file);
    try {
      this.db.close();
    } finally {
      releaseOwner(this.file);
    }
  }

  private closeQuietly(): void {
    try {
      this.close();
    } catch {
      // Already failing to open: the first error is the one to report.
    }
  }

  private rollback(savepoint: string): void {
    try {
      if (this.depth === 0) {
        this.commitHooks = [];
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } else this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    } catch {
      // SQLite already rolled back (an I/O error does that); nothing more to undo.
    }
  }

  private checkIntegrity(): void {
    let rows: Array<Record<string, unknown>>;
    try {
      rows = this.db.all('PRAGMA quick_check') as Array<Record<string, unknown>>;
    } catch (e) {
      throw this.mapError(e, 'PRAGMA quick_check');
    }
    const problems = rows.map((r) => String(Object.values(r)[0])).filter((s) => s !== 'ok');
    if (problems.length > 0) {
      throw new XdcError(
        'ERR_LAB_CORRUPT',
        `the lab database ${this.file} is damaged: ${problems.slice(0, 3).join('; ')}`,
        {
          file: this.file,
        },
      );
    }
  }

  private migrate(migrations: readonly Migration[]): void {
    const current = this.schemaVersion;
    const newest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
    if (current > newest) {
      throw new XdcError(
        'ERR_UNSUPPORTED',
        `the lab database ${this.file} has schema ${current}, newer than this XDC Lab (${newest})`,
      );
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      this.transaction(() => {
        this.exec(m.sql);
        this.exec(`PRAGMA user_version = ${Math.trunc(m.version)}`);
      });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new XdcError('ERR_INTERNAL', `the lab database ${this.file} is closed`);
  }

  private mapError(e: unknown, sql: string): XdcError {
    if (e instanceof XdcError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/not a database|malformed|corrupt/i.test(msg)) {
      return new XdcError('ERR_LAB_CORRUPT', `the lab database ${this.file} is damaged (${msg})`, {
        file: this.file,
      });
    }
    if (
      /disk I\/O error|database or disk is full|readonly|read-only|unable to open|could not open/i.test(msg)
    ) {
      return ioError(e, `writing the lab database ${this.file} failed`, dirname(this.file), this.freeBytes);
    }
    if (e instanceof sqlite.SQLite3Error) {
      if (/constraint/i.test(msg)) return new XdcError('ERR_CONFLICT', `${msg}`, { sql: sql.slice(0, 200) });
      return new XdcError('ERR_INTERNAL', `SQL failed: ${msg}`, { sql: sql.slice(0, 200) });
    }
    return asXdcError(e);
  }
}

function defaultFreeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A storage failure as the user should read it: full disk, unwritable folder, or I/O error. */
function ioError(e: unknown, what: string, dir: string, freeBytes: (dir: string) => number): XdcError {
  const mapped = asXdcError(e, 'ERR_LAB_IO');
  if (mapped.code === 'ERR_NO_SPACE') return new XdcError('ERR_NO_SPACE', `${what}: no space left in ${dir}`);
  if (freeBytes(dir) < 1024 * 1024) return new XdcError('ERR_NO_SPACE', `${what}: no space left in ${dir}`);
  const why = e instanceof Error ? e.message : String(e);
  return new XdcError('ERR_LAB_IO', `${what} (${why}); is the folder writable?`, { dir });
}

function ownerFile(file: string): string {
  return `${file}.owner`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function claimLock(file: string): void {
  const lockDir = `${file}.lock`;
  const owner = ownerFile(file);
  let ownerPid: number | null = null;
  if (existsSync(owner)) {
    const n = Number.parseInt(readFileSync(owner, 'utf8'), 10);
    ownerPid = Number.isFinite(n) ? n : null;
  }
  if (ownerPid !== null && ownerPid !== process.pid && pidAlive(ownerPid)) {
    throw new XdcError(
      'ERR_CONFLICT',
      `the lab database ${file} is in use by another XDC Lab process (pid ${ownerPid})`,
    );
  }
  // Left by a process that died inside a transaction: SQLite rolls the hot journal back on open.
  if (existsSync(lockDir)) rmSync(lockDir, { recursive: true, force: true });
  try {
    writeFileSync(owner, String(process.pid));
    const fd = openSync(owner, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    throw ioError(e, `the lab folder ${dirname(file)} is not writable`, dirname(file), defaultFreeBytes);
  }
}

function releaseOwner(file: string): void {
  rmSync(ownerFile(file), { force: true });
}
