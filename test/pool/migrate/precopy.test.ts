import { describe, expect, it } from 'vitest';
import { planPrecopy } from '../../../src-main/pool/migrate/precopy';

const GiB = 1024 ** 3;
const gbit = 1e9 / 8;

describe('the pre-copy model of Xen live migration', () => {
  it('a 1 GiB guest at a modest dirty rate converges in a few rounds with tens of ms of stop-and-copy', () => {
    const plan = planPrecopy({ memoryBytes: GiB, dirtyBytesPerSec: 40e6, linkBytesPerSec: gbit });
    expect(plan.stopReason).toBe('remainder-small');
    expect(plan.rounds.length).toBeGreaterThanOrEqual(3);
    expect(plan.rounds.length).toBeLessThanOrEqual(8);
    expect(plan.stopCopyMs).toBeGreaterThan(1);
    expect(plan.stopCopyMs).toBeLessThanOrEqual(50);
    // Round 1 sends the whole memory; each later round resends what was dirtied meanwhile.
    expect(plan.rounds[0]!.bytes).toBe(GiB);
    for (let i = 1; i < plan.rounds.length; i++)
      expect(plan.rounds[i]!.bytes).toBeLessThan(plan.rounds[i - 1]!.bytes);
    expect(plan.explanation).toMatch(/converged/);
  });

  it('a guest dirtying memory faster than the link moves it stops at 3x memory sent with a long downtime, and says why', () => {
    const plan = planPrecopy({ memoryBytes: GiB, dirtyBytesPerSec: 200e6, linkBytesPerSec: gbit });
    expect(plan.stopReason).toBe('max-sent');
    expect(plan.precopyBytes).toBeGreaterThanOrEqual(3 * GiB);
    expect(plan.remainderBytes).toBe(GiB);
    expect(plan.stopCopyMs).toBeGreaterThan(5000);
    expect(plan.explanation).toMatch(/3x the guest's memory/);
    expect(plan.explanation).toMatch(/160% of the link/);
  });

  it("never runs more than Xen's 30 rounds", () => {
    const plan = planPrecopy({
      memoryBytes: GiB,
      dirtyBytesPerSec: 120e6,
      linkBytesPerSec: gbit,
      maxSentFactor: 1000,
    });
    expect(plan.rounds.length).toBe(30);
    expect(plan.stopReason).toBe('max-rounds');
  });

  it('faster dirtying means more rounds and a longer stop-and-copy', () => {
    const slow = planPrecopy({ memoryBytes: GiB, dirtyBytesPerSec: 20e6, linkBytesPerSec: gbit });
    const fast = planPrecopy({ memoryBytes: GiB, dirtyBytesPerSec: 90e6, linkBytesPerSec: gbit });
    expect(fast.rounds.length).toBeGreaterThan(slow.rounds.length);
    expect(fast.stopCopyMs).toBeGreaterThan(slow.stopCopyMs);
  });
});
