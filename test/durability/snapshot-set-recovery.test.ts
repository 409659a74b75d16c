import { afterEach, describe, expect, it } from 'vitest';
import { openTestPool, type TestPool } from '../support/pool-fixture';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a snapshot set cut in half by a crash', () => {
  it('a set the volume server made but the database never recorded is rolled back when the lab reopens', async () => {
    t = await openTestPool();
    // What a kill between "volume server made the snapshots" and "guest recorded the set" leaves.
    await t.pool.role.server.vdiSnapshot('vol-web01-root', {
      snapId: 'vol-web01-root.vss-orphan-0',
      setId: 'set-g4-orphan',
      name: 'half',
    });
    expect(t.pool.invariants().checks.find((c) => c.name === 'database-agrees')!.ok).toBe(false);
    await t.reopen();
    expect(t.pool.role.server.listSnapshots().map((s) => s.id)).not.toContain('vol-web01-root.vss-orphan-0');
    expect(t.pool.invariants().ok).toBe(true);
    expect(
      t.pool
        .events(0, 1000, 'snapshot.recovered')
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/set-g4-orphan was never recorded/);
  });

  it('a recorded set whose snapshots were already deleted has its delete finished', async () => {
    t = await openTestPool();
    const made = await t.pool.dcli('g4', 'dcli snapshot create lun0 --name keepme --json', {
      principal: 'user:admin',
      role: 'admin',
    });
    expect(made.exitCode).toBe(0);
    const rec = JSON.parse(made.output) as { setId: string; members: Array<{ snapshotId: string }> };
    // A kill after the volume server deleted the snapshots but before the record was forgotten.
    for (const m of rec.members) await t.pool.role.server.vdiDelete(m.snapshotId);
    await t.reopen();
    expect(t.pool.invariants().ok).toBe(true);
    const list = await t.pool.dcli('g4', 'dcli snapshot list --json', {
      principal: 'user:admin',
      role: 'admin',
    });
    expect((JSON.parse(list.output) as Array<{ setId: string }>).map((s) => s.setId)).not.toContain(
      rec.setId,
    );
  });
});
