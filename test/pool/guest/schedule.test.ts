import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type GuestPool, openGuestPool } from './fixture';

describe('snapshot schedules', () => {
  let pool: GuestPool | undefined;
  let labDir = '';
  afterAll(async () => {
    await pool?.close();
    if (labDir) rmSync(labDir, { recursive: true, force: true });
  });

  it('run on the pool clock, keep the newest n, log each run, and survive closing and reopening the lab', async () => {
    pool = await openGuestPool();
    labDir = pool.labDir;
    const add = await pool.dcli('g1', 'dcli schedule add SG1 --every 30s --keep 2');
    expect(add.exitCode).toBe(0);
    const id =
      /Schedule (sch-[0-9a-f]+) added: snapshot SG1 every 30s, keep 2 \(application-consistent\)/.exec(
        add.output,
      )?.[1];
    expect(id).toBeDefined();

    await pool.clock.advance(29_000);
    expect((await pool.dcli('g1', 'dcli snapshot list --json')).output).toBe('[]');
    await pool.clock.advance(66_000);
    await pool.run(pool.host('g1').scheduler.idle());
    const sets = JSON.parse((await pool.dcli('g1', 'dcli snapshot list --json')).output) as Array<{
      name: string;
      scheduleId: string;
    }>;
    expect(sets.map((s) => s.name)).toEqual([`${id}-r2`, `${id}-r3`]);
    expect(sets.every((s) => s.scheduleId === id)).toBe(true);
    // Pruned for real: only the two sets' volume snapshots remain on the volume server.
    expect(pool.role.server.listSnapshots().filter((s) => !s.internal)).toHaveLength(4);
    expect(pool.repos.scheduleRuns.list({ scheduleId: id! }).map((r) => r.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    await pool.run(pool.host('g1').reporter.flush());
    const runs = pool.events.after(0, 5000, 'schedule.run');
    expect(runs).toHaveLength(3);
    expect(runs[2]!.message).toBe(`schedule ${id} took ${id}-r3, pruned ${id}-r1`);
    const listing = await pool.dcli('g1', 'dcli schedule list');
    expect(listing.output).toMatch(new RegExp(`${id}\\s+SG1\\s+30s\\s+2\\s+application\\s+9\\d\\.\\ds ok`));

    await pool.close({ keepDir: true });
    pool = await openGuestPool(labDir);
    const again = JSON.parse((await pool.dcli('g1', 'dcli schedule list --json')).output) as Array<{
      id: string;
      everyMs: number;
      keep: number;
    }>;
    expect(again).toMatchObject([{ id, everyMs: 30_000, keep: 2 }]);
    await pool.clock.advance(31_000);
    await pool.run(pool.host('g1').scheduler.idle());
    const after = JSON.parse((await pool.dcli('g1', 'dcli snapshot list --json')).output) as Array<{
      name: string;
    }>;
    expect(after.map((s) => s.name)).toEqual([`${id}-r3`, `${id}-r4`]);
    expect(pool.repos.scheduleRuns.count({ scheduleId: id! })).toBe(4);

    const removed = await pool.dcli('g1', `dcli schedule remove ${id}`);
    expect(removed.output).toBe(`Schedule ${id} removed; its snapshots were kept.`);
    await pool.clock.advance(61_000);
    expect(JSON.parse((await pool.dcli('g1', 'dcli snapshot list --json')).output)).toHaveLength(2);
    expect(pool.repos.schedules.count()).toBe(0);
    const unknown = await pool.dcli('g1', `dcli schedule remove ${id}`);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.output).toMatch(/no schedule sch-[0-9a-f]+ in this guest/);
  });

  it('a Linux guest schedules crash-consistent snapshots of a LUN', async () => {
    const p = pool!;
    const add = await p.dcli('g2', 'dcli schedule add lun1 --every 1m --keep 1');
    expect(add.output).toMatch(/every 1m, keep 1 \(crash-consistent\)/);
    await p.clock.advance(125_000);
    await p.run(p.host('g2').scheduler.idle());
    const sets = JSON.parse((await p.dcli('g2', 'dcli snapshot list --json')).output) as Array<{
      consistency: string;
      target: string;
    }>;
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ consistency: 'crash', target: 'lun1' });
  });
});
