/**
 * A full disk and a read-only lab folder, for real: the lab lives on a small tmpfs mounted for
 * the test (needs root and mount(8); skipped with the reason otherwise), filled with a filler
 * file, then remounted read-only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestPool } from '../support/pool-fixture';

const mnt = mkdtempSync(join(tmpdir(), 'xdc-tmpfs-'));
let mounted = false;
beforeAll(() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
  rmSync(mnt, { recursive: true, force: true });
});

function fill(dir: string): string {
  const f = join(dir, 'filler.bin');
  const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
  try {
    writeFileSync(f, Buffer.alloc(free));
  } catch {
    // ENOSPC at the very end is what we want.
  }
  return f;
}

describe('a lab on a full or read-only file system', () => {
  it('a write needing new blocks on a full disk fails with a clear error; what was acknowledged stays; after space returns all works and survives a reopen', async (ctx) => {
    if (!mounted) ctx.skip();
    const t = await openTestPool({ dir: join(mnt, 'lab') });
    try {
      const w1 = await t.pool.dcli('g5', 'dcli io write 1 --offset 0 --length 1M --seed 11', ADMIN);
      expect(w1.exitCode).toBe(0);
      const filler = fill(mnt);
      const w2 = await t.pool.dcli('g5', 'dcli io write 1 --offset 512M --length 4M --seed 12', ADMIN);
      expect(w2.exitCode).not.toBe(0);
      // What a thin-provisioned SCSI disk says when it runs out of space: DATA PROTECT,
      // SPACE ALLOCATION FAILED WRITE PROTECT (27h/07h).
      expect(w2.output, w2.output).toMatch(/ERR_NO_SPACE|sense key 7h ASC 27h ASCQ 07h/i);
      const snap = await t.pool.dcli('g4', 'dcli snapshot create lun0 --name full --crash-consistent', ADMIN);
      expect(snap.exitCode === 0 || /ERR_NO_SPACE|no space|ASC 27h/i.test(snap.output), snap.output).toBe(
        true,
      );
      const v1 = await t.pool.dcli('g5', 'dcli io verify 1 --offset 0 --length 1M --seed 11', ADMIN);
      expect(v1.exitCode).toBe(0);
      unlinkSync(filler);
      const w3 = await t.pool.dcli('g5', 'dcli io write 1 --offset 512M --length 4M --seed 13', ADMIN);
      expect(w3.exitCode, w3.output).toBe(0);
      await t.reopen();
      expect(
        (await t.pool.dcli('g5', 'dcli io verify 1 --offset 0 --length 1M --seed 11', ADMIN)).exitCode,
      ).toBe(0);
      expect(
        (await t.pool.dcli('g5', 'dcli io verify 1 --offset 512M --length 4M --seed 13', ADMIN)).exitCode,
      ).toBe(0);
      expect(t.pool.invariants().ok).toBe(true);
    } finally {
      rmSync(join(mnt, 'filler.bin'), { force: true });
      await t.pool.close();
    }
  }, 30_000);

  it('when the lab folder turns read-only, saving fails with a clear error naming the file, and acknowledged data still reads back', async (ctx) => {
    if (!mounted) ctx.skip();
    const dir = join(mnt, 'lab-ro');
    const t = await openTestPool({ dir });
    try {
      const w1 = await t.pool.dcli('g4', 'dcli io write 0 --offset 0 --length 64k --seed 21', ADMIN);
      expect(w1.exitCode).toBe(0);
      // A read-only bind mount over the lab folder (root ignores chmod; files already open stay writable).
      execFileSync('mount', ['--bind', dir, dir]);
      try {
        execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
        await expect(t.pool.save()).rejects.toThrow(/lab\.json|read-only|EROFS/);
        await expect(t.pool.fault('partition', 'g3', undefined, ADMIN)).rejects.toThrow(
          /ERR_LAB_IO|read-only|EROFS/,
        );
        const v = await t.pool.dcli('g4', 'dcli io verify 0 --offset 0 --length 64k --seed 21', ADMIN);
        expect(v.exitCode).toBe(0);
      } finally {
        execFileSync('umount', [dir]);
      }
      await t.reopen();
      expect(
        (await t.pool.dcli('g4', 'dcli io verify 0 --offset 0 --length 64k --seed 21', ADMIN)).exitCode,
      ).toBe(0);
    } finally {
      await t.pool.close();
    }
  }, 30_000);
});
