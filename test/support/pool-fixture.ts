/**
 * A whole pool in a temp lab folder on a VirtualClock: what scenario tests boot. Pool time only
 * moves when the test advances it, and only once the pool's real HTTP traffic has settled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../../src-main/api/service-types';
import { demoLabSpec } from '../../src-main/pool/demo';
import type { LabSpec } from '../../src-main/pool/lab';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';

export const ADMIN: Caller = { principal: 'user:admin', role: 'admin' };

/** Cheap scrypt for tests: the cost is a parameter, the code path is the real one. */
export const TEST_AUTH = { scrypt: { N: 1024, r: 8, p: 1 } };

export interface TestPool {
  pool: Pool;
  clock: VirtualClock;
  dir: string;
  /** Reopens the same lab folder (a restart): closes the pool first unless `crashed`. */
  reopen(opts?: { crashed?: boolean }): Promise<Pool>;
  close(): Promise<void>;
}

export async function openTestPool(o: { spec?: LabSpec; dir?: string } = {}): Promise<TestPool> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'xdc-pool-'));
  const clock = new VirtualClock();
  const open = async () => {
    const pool = await Pool.open({ labDir: dir, clock, spec: o.spec ?? demoLabSpec(), auth: TEST_AUTH });
    clock.quiesce = () => pool.fabric.quiesce();
    return pool;
  };
  const t: TestPool = {
    pool: await open(),
    clock,
    dir,
    async reopen(opts = {}) {
      if (!opts.crashed) await t.pool.close();
      t.pool = await open();
      return t.pool;
    },
    async close() {
      await t.pool.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await clock.advance(0);
  return t;
}
