import { describe, expect, it } from 'vitest';
import { runSoak } from './soak';

describe('a soak run: two hours of pool time on a 4 x 4 pool with schedules, migrations and faults', () => {
  it('keeps every invariant after every minute and its heap does not keep growing', async () => {
    const r = await runSoak({ hosts: 4, guestsPerHost: 4, hours: 2, seed: 5 });
    expect(r.invariantFailures).toEqual([]);
    expect(r.steps).toBe(120);
    expect(r.faults).toBeGreaterThan(5);
    expect(r.scheduledSnapshots).toBeGreaterThan(16);
    // Retention (keep 3) and bounded logs: the heap after warm-up stays within 50% (no GC control here).
    expect(r.heapGrowth).toBeLessThan(1.5);
    console.log(`soak: ${JSON.stringify({ ...r, heapMiB: undefined })}`);
  }, 60_000);
});
