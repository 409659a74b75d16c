/**
 * The pool's shared disks: every `<labDir>/disks/<diskId>.img`. Disks belong to the pool, not
 * to a host (full SAN connectivity), so one SharedDisks serves every Dom0 and outlives any
 * volume server instance (a takeover reopens metadata, not disks). The disk files describe
 * themselves (id = file name, size = file size), so no metadata is needed to find them again.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { asXdcError, XdcError } from '../errors';
import { SharedDisk } from './disk';

export interface DiskInfo {
  id: string;
  path: string;
  sizeBytes: number;
  state: 'ok' | 'failed';
}

export class SharedDisks {
  private readonly disks = new Map<string, SharedDisk>();

  private constructor(readonly dir: string) {}

  /** Opens (creating the folder if needed) every disk file of the lab. */
  static open(labDir: string): SharedDisks {
    const dir = join(labDir, 'disks');
    const set = new SharedDisks(dir);
    try {
      mkdirSync(dir, { recursive: true });
      for (const name of readdirSync(dir).sort()) {
        if (!name.endsWith('.img')) continue;
        const id = name.slice(0, -4);
        set.disks.set(id, SharedDisk.open(id, join(dir, name)));
      }
    } catch (e) {
      set.close();
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    return set;
  }

  create(id: string, sizeBytes: number): SharedDisk {
    if (this.disks.has(id)) throw new XdcError('ERR_CONFLICT', `disk ${id} already exists`);
    const disk = SharedDisk.create(id, join(this.dir, `${id}.img`), sizeBytes);
    this.disks.set(id, disk);
    return disk;
  }

  get(id: string): SharedDisk {
    const d = this.disks.get(id);
    if (!d) throw new XdcError('ERR_NOT_FOUND', `disk ${id} does not exist in this pool`);
    return d;
  }

  has(id: string): boolean {
    return this.disks.has(id);
  }

  list(): DiskInfo[] {
    return [...this.disks.values()].map((d) => ({
      id: d.id,
      path: d.path,
      sizeBytes: d.sizeBytes,
      state: d.failed ? 'failed' : 'ok',
    }));
  }

  /** The disk-fail fault. */
  fail(id: string, reason?: string): void {
    this.get(id).fail(reason);
  }

  restore(id: string): void {
    this.get(id).restore();
  }

  close(): void {
    for (const d of this.disks.values()) d.close();
    this.disks.clear();
  }
}
