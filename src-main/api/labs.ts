/**
 * The open lab and the lab files: New, Open, Save, Save As and the recent list. One lab is open
 * at a time; switching saves and closes the current one first, and if the new one cannot be
 * opened (a corrupt lab.json, a folder that is not a lab) the previous lab is opened again, so
 * the app never ends up with no pool and nothing is lost.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { asXdcError, XdcError } from '../pool/errors';
import { labExists, writeFileAtomic } from '../pool/lab';
import { Pool, type PoolOptions } from '../pool/pool';
import type { LabInfo } from './contract';
import type { LabController } from './service';

/** The per-user data folder of XDC Lab (never the source tree). `XDC_LAB_HOME` overrides it. */
export function userDataDir(): string {
  if (process.env.XDC_LAB_HOME) return process.env.XDC_LAB_HOME;
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'xdc-lab');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'xdc-lab');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'xdc-lab');
}

export function defaultLabDir(): string {
  return join(userDataDir(), 'demo');
}

const MAX_RECENT = 8;

export class LabManager implements LabController {
  private pool: Pool | null = null;
  private readonly switchListeners = new Set<() => void>();

  constructor(private readonly poolOptions: Omit<PoolOptions, 'labDir'>) {}

  current(): Pool {
    if (!this.pool) throw new XdcError('ERR_CONFLICT', 'no lab is open');
    return this.pool;
  }

  info(): LabInfo {
    const p = this.current();
    return { dir: p.labDir, name: p.spec.name, recent: this.recent(), dirty: false };
  }

  onSwitch(listener: () => void): () => void {
    this.switchListeners.add(listener);
    return () => this.switchListeners.delete(listener);
  }

  async open(dirIn: string, create: boolean): Promise<LabInfo> {
    const dir = checkDir(dirIn);
    if (!create && !labExists(dir))
      throw new XdcError('ERR_NOT_FOUND', `${dir} is not an XDC lab folder (no lab.json)`);
    if (create && !labExists(dir) && existsSync(dir) && readdirSync(dir).length > 0) {
      throw new XdcError(
        'ERR_CONFLICT',
        `${dir} is not empty and not a lab: choose an empty or new folder for a new lab`,
      );
    }
    const previous = this.pool;
    if (previous && previous.labDir === dir) return this.info();
    if (previous) {
      await previous.save();
      await previous.close();
      this.pool = null;
    }
    try {
      this.pool = await Pool.open({ ...this.poolOptions, labDir: dir });
    } catch (e) {
      if (previous) this.pool = await Pool.open({ ...this.poolOptions, labDir: previous.labDir });
      this.notify();
      throw asXdcError(e);
    }
    this.remember(dir);
    this.notify();
    return this.info();
  }

  async saveAs(dirIn: string): Promise<LabInfo> {
    const dir = checkDir(dirIn);
    const from = this.current();
    if (existsSync(dir) && readdirSync(dir).length > 0)
      throw new XdcError('ERR_CONFLICT', `${dir} is not empty: Save As needs an empty or new folder`);
    await from.save();
    const src = from.labDir;
    await from.close();
    this.pool = null;
    try {
      copyLabFolder(src, dir);
    } catch (e) {
      this.pool = await Pool.open({ ...this.poolOptions, labDir: src });
      this.notify();
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    this.pool = await Pool.open({ ...this.poolOptions, labDir: dir });
    this.remember(dir);
    this.notify();
    return this.info();
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p) {
      await p.save().catch(() => undefined);
      await p.close();
    }
  }

  recent(): string[] {
    try {
      const list = JSON.parse(readFileSync(join(userDataDir(), 'recent.json'), 'utf8')) as unknown;
      return Array.isArray(list)
        ? list.filter((x): x is string => typeof x === 'string').slice(0, MAX_RECENT)
        : [];
    } catch {
      return [];
    }
  }

  private remember(dir: string): void {
    const list = [dir, ...this.recent().filter((d) => d !== dir)].slice(0, MAX_RECENT);
    try {
      writeFileAtomic(join(userDataDir(), 'recent.json'), JSON.stringify(list, null, 2));
    } catch {
      // The recent list is a convenience; a read-only home folder must not stop the lab.
    }
  }

  private notify(): void {
    for (const l of this.switchListeners) l();
  }
}

function checkDir(dir: string): string {
  if (!isAbsolute(dir))
    throw new XdcError('ERR_VALIDATION', `lab folder must be an absolute path, got ${dir}`);
  const d = resolve(dir);
  if (existsSync(d) && !statSync(d).isDirectory())
    throw new XdcError('ERR_VALIDATION', `${d} is a file, not a folder`);
  return d;
}

const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * Copies a lab folder. Disk images are sparse (8 GiB each in the demo pool, almost all holes) and
 * `fs.cpSync` would write every hole out as real zeros; here holes stay holes.
 */
export function copyLabFolder(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dst, name);
    if (statSync(from).isDirectory()) copyLabFolder(from, to);
    else copySparseFile(from, to);
  }
}

/** Copies one file keeping its holes (and its mode); returns the bytes actually written. */
export function copySparseFile(src: string, dst: string): number {
  const st = statSync(src);
  const out = openSync(dst, 'w', st.mode & 0o777);
  let written = 0;
  try {
    ftruncateSync(out, st.size);
    if (st.blocks === 0) return 0;
    const inp = openSync(src, 'r');
    try {
      const buf = Buffer.alloc(CHUNK);
      for (let at = 0; at < st.size; ) {
        const n = readSync(inp, buf, 0, CHUNK, at);
        if (n <= 0) break;
        const chunk = buf.subarray(0, n);
        if (!chunk.equals(ZEROS.subarray(0, n))) written += writeSync(out, chunk, 0, n, at);
        at += n;
      }
    } finally {
      closeSync(inp);
    }
  } finally {
    closeSync(out);
  }
  return written;
}
