/**
 * The long soak: `node --expose-gc --import tsx scripts/soak.ts --hours 24 [--hosts 8 --guests 4]`
 * (or `npx tsx scripts/soak.ts --hours 24`, without exact GC). A simulated day on a VirtualClock:
 * schedules on every guest, random migrations and faults; fails on any broken invariant or on
 * heap growth over 25% after warm-up.
 */
import { runSoak } from '../test/scale/soak';

const num = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const n = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} needs a positive number\n`);
    process.exit(2);
  }
  return n;
};
const r = await runSoak({
  hosts: num('hosts', 8),
  guestsPerHost: num('guests', 4),
  hours: num('hours', 24),
  log: (l) => console.log(l),
});
console.log(
  `soak: ${r.steps} steps (${r.poolHours} pool hours), ${r.faults} faults, migrations ${r.migrationsStarted} started / ${r.migrationsRefused} refused, ${r.scheduledSnapshots} schedule runs`,
);
console.log(
  `heap MiB: first ${r.heapMiB[0]?.toFixed(1)}, max ${Math.max(...r.heapMiB).toFixed(1)}, last ${r.heapMiB.at(-1)?.toFixed(1)}; growth after warm-up x${r.heapGrowth.toFixed(3)}`,
);
if (r.invariantFailures.length)
  console.log(`INVARIANT FAILURES:\n${r.invariantFailures.slice(0, 20).join('\n')}`);
process.exit(r.invariantFailures.length === 0 && r.heapGrowth < 1.25 ? 0 : 1);
