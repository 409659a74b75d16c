import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, openTestPool, type TestPool } from '../support/pool-fixture';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the demo pool', () => {
  it('boots with the central server, three hosts (volume server on h1), one disk group and five guests with their LUNs', async () => {
    t = await openTestPool();
    const v = t.pool.view();
    expect(v.hosts.map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(v.hosts.filter((h) => h.volumeServer).map((h) => h.id)).toEqual(['h1']);
    expect(v.diskGroups).toHaveLength(1);
    expect(v.diskGroups[0]!.diskIds).toEqual(['d1', 'd2', 'd3', 'd4']);
    const guests = v.guests.filter((g) => !g.central);
    expect(guests).toHaveLength(5);
    expect(guests.filter((g) => g.os === 'windows')).toHaveLength(3);
    expect(v.guests.find((g) => g.central)?.id).toBe('central');
    // LUNs in the view come from the reporters' discovery reports, by SCSI, not from the spec.
    await t.clock.advance(100);
    const g1 = t.pool.view().guests.find((g) => g.id === 'g1')!;
    expect(g1.luns.map((l) => l.lun)).toEqual([0, 1, 2]);
    expect(g1.luns[1]!.vdiId).toBe('vol-exch01-db');
    expect(g1.apps.map((a) => a.kind)).toEqual(['exchange']);
    // Each guest's volumes are owned by the volume client of the host it runs on.
    for (const vol of t.pool.view().volumes) {
      const g = guests.find((x) => x.id === vol.guestId)!;
      expect(vol.ownerHostId).toBe(g.hostId);
    }
    expect(t.pool.invariants().ok).toBe(true);
  });

  it('runs a DCLI line in a guest through xprtld and answers with its exit code', async () => {
    t = await openTestPool();
    const r = await t.pool.dcli('g4', 'dcli lun list', ADMIN);
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/lun0\s+0:0:0:0\s+SYMANTEC\s+XDC VDISK/);
    const bad = await t.pool.dcli('g4', 'dcli frobnicate', ADMIN);
    expect(bad.exitCode).not.toBe(0);
  });

  it('a crashed guest host does not answer DCLI: the caller times out on the pool clock naming the guest', async () => {
    t = await openTestPool();
    await t.pool.fault('host-crash', 'h2', undefined, ADMIN);
    const p = t.pool.dcli('g3', 'dcli lun list', ADMIN);
    await expect(t.clock.run(p)).rejects.toThrow(/guest g3 did not answer within .* \(its host h2 is down\)/);
  });

  it('crashing the volume server host moves the role to another Dom0 after the takeover delay, losing no metadata', async () => {
    t = await openTestPool();
    const before = t.pool.view().volumes.map((v) => [v.id, v.sizeBytes]);
    await t.pool.fault('host-crash', 'h1', undefined, ADMIN);
    expect(t.pool.view().hosts.find((h) => h.volumeServer)).toBeUndefined();
    await t.clock.advance(3000);
    const vs = t.pool.view().hosts.find((h) => h.volumeServer);
    expect(vs?.id).toBe('h2');
    expect(t.pool.view().volumes.map((v) => [v.id, v.sizeBytes])).toEqual(before);
    // g1 and g2 crashed with h1; their volumes stay owned by h1 (nobody else may take them).
    expect(t.pool.view().guests.find((g) => g.id === 'g1')!.state).toBe('crashed');
    expect(t.pool.invariants().ok).toBe(true);
    await t.pool.fault('host-restore', 'h1', undefined, ADMIN);
    expect(t.pool.view().guests.find((g) => g.id === 'g1')!.state).toBe('running');
  });

  it('reopening the lab folder brings back placement, faults and written data', async () => {
    t = await openTestPool();
    const w = await t.pool.dcli('g5', 'dcli io write 1 --offset 1048576 --length 65536 --seed 42', ADMIN);
    expect(w.exitCode).toBe(0);
    await t.pool.fault('disk-fail', 'd4', undefined, ADMIN);
    await t.pool.fault('partition', 'g4', undefined, ADMIN);
    await t.reopen();
    const v = t.pool.view();
    expect(v.disks.find((d) => d.id === 'd4')!.state).toBe('failed');
    expect(v.guests.find((g) => g.id === 'g4')!.reachable).toBe(false);
    await t.pool.fault('disk-restore', 'd4', undefined, ADMIN);
    const ok = await t.pool.dcli('g5', 'dcli io verify 1 --offset 1048576 --length 65536 --seed 42', ADMIN);
    expect(ok.output).toMatch(/match|verified|ok/i);
    expect(ok.exitCode).toBe(0);
    const wrong = await t.pool.dcli(
      'g5',
      'dcli io verify 1 --offset 1048576 --length 65536 --seed 43',
      ADMIN,
    );
    expect(wrong.exitCode).not.toBe(0);
  });

  it('a host restored while cut off cannot reach the volume server to boot its guests; healing it boots them', async () => {
    t = await openTestPool();
    await t.pool.fault('partition', 'h2', undefined, ADMIN);
    await t.pool.fault('host-crash', 'h2', undefined, ADMIN);
    const restore = t.pool.fault('host-restore', 'h2', undefined, ADMIN);
    await t.clock.run(restore);
    expect(t.pool.view().guests.find((g) => g.id === 'g3')!.state).toBe('crashed');
    const boots = t.pool.events(0, 5000, 'guest.boot-failed').map((e) => e.subject);
    expect(boots).toContain('g3');
    const heal = t.pool.fault('heal', 'h2', undefined, ADMIN);
    await expect(t.clock.run(heal)).resolves.toMatch(/g3, g4 restarted/);
    expect(t.pool.view().guests.find((g) => g.id === 'g3')!.state).toBe('running');
    expect(t.pool.invariants().ok).toBe(true);
  });
});
