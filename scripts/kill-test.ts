/**
 * The long crash-restart run: `npx tsx scripts/kill-test.ts --kills 50 [--seed N]`.
 * Starts the headless lab, runs the mixed workload (acknowledged writes, snapshots, schedules,
 * migrations) through its HTTP API, SIGKILLs it at random moments and checks after each restart
 * that nothing acknowledged was lost (test/durability/kill-cycle.ts). Exit 0 only if clean.
 */
import { runKillTest } from '../test/durability/kill-cycle';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} needs a whole number >= 1\n`);
    process.exit(2);
  }
  return n;
}

const kills = arg('kills', 50);
const seed = arg('seed', Date.now() % 1_000_000);
console.log(`kill test: ${kills} kills, seed ${seed}`);
const r = await runKillTest({ kills, seed, log: (l) => console.log(l) });
console.log(
  `survived ${r.kills} kills in ${(r.wallMs / 1000).toFixed(1)} s: ${r.writesVerified} acknowledged writes verified, ` +
    `${r.snapshotSlotsVerified} snapshot slots verified, ${r.ambiguousSlots} unacknowledged writes resolved; ` +
    `workload ${JSON.stringify(r.stats)}`,
);
if (r.problems.length) {
  console.log(`${r.problems.length} PROBLEM(S):\n${r.problems.join('\n')}`);
  process.exit(1);
}
console.log('no acknowledged write, snapshot or schedule lost; database and pool agreed after every restart');
