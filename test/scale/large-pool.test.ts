import { describe, expect, it } from 'vitest';
import { measurePoolInChild } from './run-measurement';

// CI size: 16 hosts x 16 guests (the full 64 x 32 run is `npm run bench -- scale`).
describe('a large pool (16 hosts x 16 guests)', () => {
  it('boots, serves GET /pool and DCLI over HTTP, lays out every node, attempts a migration and keeps its invariants', async () => {
    const demo = await measurePoolInChild(0, 0, 3);
    const big = await measurePoolInChild(16, 16, 3);
    expect(big.guests).toBe(256);
    // Every host, guest (with the central server), disk, group and volume placed on the canvas.
    expect(big.layoutNodes).toBeGreaterThanOrEqual(16 + 257 + 256);
    expect(big.invariantsOk).toBe(true);
    expect(big.migration).toMatch(/^(started|refused)/);
    // No worse than linear in the pool's size: boot cost per guest no higher than the demo's,
    // and a DCLI line (one guest) far from the 50x the guest count grew by.
    expect(big.bootMs / big.guests).toBeLessThan((demo.bootMs / demo.guests) * 1.5);
    expect(big.dcliP50Ms).toBeLessThan(demo.dcliP50Ms * 10 + 20);
    console.log(`scale demo ${JSON.stringify(demo)}\nscale 16x16 ${JSON.stringify(big)}`);
  }, 60_000);
});
