/**
 * Lab files through the one API: Save As copies the lab (disk images stay sparse) and carries on
 * there with every byte; Open goes back to the first lab; a folder that is not a lab is refused
 * and the open lab stays open.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BootedLab, bootLab } from '../../src-main/api/boot';
import { scaleLabSpec } from '../../src-main/pool/demo';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { TEST_AUTH } from '../support/pool-fixture';

const ADMIN = { principal: 'user:admin', role: 'admin' } as const;
let dir: string;
let lab: BootedLab;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xdc-labs-'));
  process.env.XDC_LAB_HOME = join(dir, 'home');
  const clock = new VirtualClock();
  // A small pool: Save As reads every byte of the sparse disk images (holes included).
  lab = await bootLab({ labDir: join(dir, 'first'), clock, auth: TEST_AUTH, spec: scaleLabSpec(2, 2) });
  clock.quiesce = () => lab.labs.current().fabric.quiesce();
});

afterEach(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = <T>(op: Parameters<BootedLab['service']['call']>[0], input: object) =>
  lab.service.call(op, input, ADMIN) as Promise<T>;

describe('lab files', () => {
  it('Save As copies the lab, keeps the disks sparse and continues there with the data written before', async () => {
    const w = await call<{ exitCode: number }>('dcli', {
      guestId: 'g1',
      line: 'dcli io write 0 --offset 0 --length 65536 --seed 9',
    });
    expect(w.exitCode).toBe(0);
    const second = join(dir, 'second');
    const info = await call<{ dir: string; recent: string[] }>('saveLabAs', { dir: second });
    expect(info.dir).toBe(second);
    expect(info.recent[0]).toBe(second);
    const img = statSync(join(second, 'disks', 'd1.img'));
    expect(img.size).toBe(statSync(join(dir, 'first', 'disks', 'd1.img')).size);
    expect(img.blocks * 512).toBeLessThan(img.size / 4);
    const v = await call<{ exitCode: number }>('dcli', {
      guestId: 'g1',
      line: 'dcli io verify 0 --offset 0 --length 65536 --seed 9',
    });
    expect(v.exitCode).toBe(0);
    const back = await call<{ dir: string }>('openLab', { dir: join(dir, 'first') });
    expect(back.dir).toBe(join(dir, 'first'));
  });

  it('refuses a folder that is not a lab and keeps the current lab open', async () => {
    await expect(call('openLab', { dir: join(dir, 'nothing-here') })).rejects.toThrow(
      /not an XDC lab folder/,
    );
    const info = await call<{ dir: string }>('labInfo', {});
    expect(info.dir).toBe(join(dir, 'first'));
    expect((await call<{ hosts: unknown[] }>('getPool', {})).hosts).toHaveLength(2);
  });
});
