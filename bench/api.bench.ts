/**
 * The control plane's costs: boot time of the demo pool against a 32-host x 16-guest pool, and
 * API round trips (GET /pool and a DCLI line) over HTTP on the central server's xprtld against
 * the same operation called in-process through the API service, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BootedLab, bootLab } from '../src-main/api/boot';
import { demoLabSpec, scaleLabSpec } from '../src-main/pool/demo';
import type { LabSpec } from '../src-main/pool/lab';
import { type BenchOptions, median, percentile, report } from './lib';

const ADMIN = { principal: 'bench', role: 'admin' } as const;

async function timedBoot(spec: LabSpec, dir: string): Promise<{ ms: number; lab: BootedLab }> {
  const t0 = performance.now();
  const lab = await bootLab({ labDir: dir, spec, auth: { scrypt: { N: 1024, r: 8, p: 1 } } });
  return { ms: performance.now() - t0, lab };
}

async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

export default async function apiBench(opts: BenchOptions): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'xdc-api-bench-'));
  process.env.XDC_LAB_HOME = join(root, 'home');
  const [hosts, perHost] = opts.quick ? [8, 8] : [32, 16];
  try {
    // The first boot pays for loading modules and warming the JIT: measured but not reported.
    const warm = await timedBoot(demoLabSpec(), join(root, 'demo'));
    await warm.lab.close();
    const demoAgain = await timedBoot(demoLabSpec(), join(root, 'demo2'));
    const big = await timedBoot(scaleLabSpec(hosts, perHost), join(root, 'big'));
    await big.lab.close();
    report({
      name: `api.boot.${hosts}x${perHost}`,
      value: big.ms,
      unit: 'ms',
      baseline: demoAgain.ms,
      baselineUnit: 'ms (demo pool, 3x5)',
      goal: `grows about linearly with ${hosts * perHost} guests vs 5`,
    });

    const l = demoAgain.lab;
    const n = opts.quick ? 60 : 400;
    const headers = { authorization: `Bearer ${l.adminToken}`, 'content-type': 'application/json' };
    const viaHttpPool = await latencies(n, async () =>
      (await fetch(`${l.apiUrl}/api/v1/pool`, { headers })).json(),
    );
    const inProcPool = await latencies(n, () => l.service.call('getPool', {}, ADMIN));
    report({
      name: 'api.pool.http.p50',
      value: median(viaHttpPool),
      unit: 'ms',
      baseline: median(inProcPool),
      baselineUnit: 'ms in-process (API service)',
    });
    report({
      name: 'api.pool.http.p99',
      value: percentile(viaHttpPool, 99),
      unit: 'ms',
      baseline: percentile(inProcPool, 99),
      baselineUnit: 'ms in-process (API service)',
    });

    const line = JSON.stringify({ line: 'dcli lun list' });
    const viaHttpDcli = await latencies(n, async () =>
      (await fetch(`${l.apiUrl}/api/v1/guests/g1/dcli`, { method: 'POST', headers, body: line })).json(),
    );
    const inProcDcli = await latencies(n, () =>
      l.service.call('dcli', { guestId: 'g1', line: 'dcli lun list' }, ADMIN),
    );
    report({
      name: 'api.dcli.http.p50',
      value: median(viaHttpDcli),
      unit: 'ms',
      baseline: median(inProcDcli),
      baselineUnit: 'ms in-process (API service)',
    });
    report({
      name: 'api.dcli.http.p99',
      value: percentile(viaHttpDcli, 99),
      unit: 'ms',
      baseline: percentile(inProcDcli, 99),
      baselineUnit: 'ms in-process (API service)',
    });
    await l.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
