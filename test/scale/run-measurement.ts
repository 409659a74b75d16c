/** Runs test/scale/measure-pool.ts in a child process (one pool per process, so RSS is its own). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../durability/headless-child';
import type { PoolMeasurement } from './measure-pool';

export async function measurePoolInChild(
  hosts: number,
  guestsPerHost: number,
  samples = 10,
): Promise<PoolMeasurement> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/scale/measure-pool.ts', String(hosts), String(guestsPerHost), String(samples)],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as PoolMeasurement;
}
