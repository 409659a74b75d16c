import { describe, expect, it } from 'vitest';
import { runKillTest } from './kill-cycle';

describe('the headless lab killed with SIGKILL at random moments', () => {
  it('reopens every time with every acknowledged write, snapshot and schedule intact and the database agreeing with the pool', async () => {
    const lines: string[] = [];
    const r = await runKillTest({
      kills: 5,
      seed: Number(process.env.XDC_KILL_SEED ?? 8),
      log: (l) => lines.push(l),
    });
    expect(r.problems, lines.join('\n')).toEqual([]);
    expect(r.kills).toBe(5);
    // The workload really ran: writes were acknowledged and read back after restarts.
    expect(r.stats.writesAcked).toBeGreaterThan(10);
    expect(r.writesVerified).toBeGreaterThan(10);
    expect(r.stats.snapshotsAcked).toBeGreaterThan(0);
    expect(r.snapshotSlotsVerified).toBeGreaterThan(0);
    console.log(`kill test: ${JSON.stringify({ ...r, problems: r.problems.length })}`);
  }, 120_000);
});
