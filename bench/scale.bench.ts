/**
 * Scale: the demo pool against a large generated pool (64 hosts x 32 guests = 2,048 guests;
 * quick: 16 x 16), each booted in a process of its own with its real HTTP API. Figures: boot
 * time, RSS, GET /api/v1/pool and DCLI p50 over HTTP, the pool view and the topology layout.
 * The ratio against the demo shows what grows with the pool; per-guest ratios near 1 mean linear.
 */
import { measurePoolInChild } from '../test/scale/run-measurement';
import { type BenchOptions, report } from './lib';

export default async function scaleBench(opts: BenchOptions): Promise<void> {
  const [h, g] = opts.quick ? [16, 16] : [64, 32];
  const size = `${h}x${g}`;
  const demo = await measurePoolInChild(0, 0, opts.quick ? 5 : 20);
  const big = await measurePoolInChild(h, g, opts.quick ? 5 : 20);
  const perGuest = (v: number, n: number) => v / n;
  report({
    name: `scale.boot.${size}`,
    value: big.bootMs,
    unit: 'ms',
    baseline: demo.bootMs,
    baselineUnit: 'ms',
  });
  report({
    name: `scale.boot-per-guest.${size}`,
    value: perGuest(big.bootMs, big.guests),
    unit: 'ms/guest',
    baseline: perGuest(demo.bootMs, demo.guests),
    baselineUnit: 'ms/guest',
    goal: 'ratio <= 1 (no worse than linear)',
  });
  report({
    name: `scale.rss.${size}`,
    value: big.peakRssMB,
    unit: 'MiB',
    baseline: demo.peakRssMB,
    baselineUnit: 'MiB',
  });
  report({
    name: `scale.api.pool.p50.${size}`,
    value: big.apiPoolP50Ms,
    unit: 'ms',
    baseline: demo.apiPoolP50Ms,
    baselineUnit: 'ms',
  });
  report({
    name: `scale.api.dcli.p50.${size}`,
    value: big.dcliP50Ms,
    unit: 'ms',
    baseline: demo.dcliP50Ms,
    baselineUnit: 'ms',
    goal: 'ratio near 1 (a DCLI line does not depend on pool size)',
  });
  report({
    name: `scale.view.${size}`,
    value: big.viewMs,
    unit: 'ms',
    baseline: demo.viewMs,
    baselineUnit: 'ms',
  });
  report({
    name: `scale.layout.${size}`,
    value: big.layoutMs,
    unit: 'ms',
    baseline: demo.layoutMs,
    baselineUnit: 'ms',
  });
  console.log(`scale: demo ${JSON.stringify(demo)}`);
  console.log(`scale: ${size} ${JSON.stringify(big)}`);
}
