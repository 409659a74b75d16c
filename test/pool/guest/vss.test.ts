import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../../src-main/pool/dom0/storage-views';
import { type GuestPool, openGuestPool } from './fixture';

function userSnapshots(pool: GuestPool): SnapshotInfo[] {
  return pool.role.server.listSnapshots().filter((s) => !s.internal);
}

function events(pool: GuestPool, prefix: string) {
  return pool.events.after(0, 5000).filter((e) => e.kind.startsWith(prefix) && e.source === 'g1');
}

describe('VSS snapshots of the Exchange storage group in a Windows guest', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });
  beforeEach(async () => {
    await pool.dcli('g1', 'dcli lab vss --clear');
    for (const s of (await pool.run(pool.host('g1').snapshots.list())).map((x) => x.name))
      await pool.dcli('g1', `dcli snapshot delete ${s}`);
    expect(userSnapshots(pool)).toEqual([]);
  });

  it('an app-consistent snapshot runs the VSS sequence, makes both volume snapshots as one set, and records it centrally', async () => {
    const r = await pool.dcli('g1', 'dcli snapshot create SG1 --name before-upgrade');
    expect(r.exitCode).toBe(0);
    const steps = r.output
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(':')[0]);
    expect(steps).toEqual([
      'gather-writer-metadata',
      'prepare-for-backup',
      'freeze',
      'commit',
      'thaw',
      'record',
    ]);
    expect(r.output).toMatch(/Microsoft Exchange Writer \(SG1 on lun1, lun2\)/);
    const snaps = userSnapshots(pool);
    expect(snaps.map((s) => s.parentId).sort()).toEqual(['vol-g1-db', 'vol-g1-log']);
    expect(new Set(snaps.map((s) => s.setId)).size).toBe(1);
    expect(snaps.every((s) => s.consistency === 'application')).toBe(true);
    const [set] = pool.reports.listSets('g1');
    expect(set).toMatchObject({
      name: 'before-upgrade',
      target: 'SG1',
      consistency: 'application',
      writers: ['Microsoft Exchange Writer'],
    });
    expect(
      pool.repos.snapshots
        .list({ setId: set!.setId })
        .map((s) => s.volumeId)
        .sort(),
    ).toEqual(['vol-g1-db', 'vol-g1-log']);
    await pool.run(pool.host('g1').reporter.flush());
    expect(events(pool, 'vss.').map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'vss.gather-writer-metadata',
        'vss.prepare-for-backup',
        'vss.freeze',
        'vss.commit',
        'vss.thaw',
        'vss.record',
      ]),
    );
    expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
    const list = await pool.dcli('g1', 'dcli snapshot list');
    expect(list.output).toMatch(/before-upgrade\s+SG1\s+application\s+\d+\.\ds\s+lun1,lun2/);
    const dup = await pool.dcli('g1', 'dcli snapshot create SG1 --name before-upgrade');
    expect(dup.exitCode).toBe(1);
    expect(dup.output).toMatch(/ERR_CONFLICT: a snapshot named before-upgrade already exists/);
  });

  it('while frozen the app writes nothing: its log records wait and go out after thaw', async () => {
    const sg1 = pool.host('g1').resolveApp('SG1');
    await pool.run(pool.host('g1').runScript('quiesce-app', { app: 'SG1' }));
    expect(sg1.state).toBe('frozen');
    const written = sg1.recordsWritten;
    await pool.clock.advance(3000);
    expect(sg1.recordsWritten).toBe(written);
    expect(sg1.queuedRecords).toBe(6);
    const thaw = await pool.run(pool.host('g1').runScript('unquiesce-app', { app: 'SG1' }));
    expect(thaw.exitCode).toBe(0);
    await pool.clock.advance(100);
    expect(sg1.recordsWritten).toBe(written + 6);
    expect(sg1.queuedRecords).toBe(0);
  });

  it('a provider slower than the 10 s freeze limit fails the snapshot at commit, keeps no snapshot, and thaws the app', async () => {
    await pool.dcli('g1', 'dcli lab vss --provider-delay 12000');
    const started = pool.clock.now();
    const r = await pool.dcli('g1', 'dcli snapshot create SG1 --name too-slow');
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(
      /commit: FAILED: writers were frozen for more than 10 s \(VSS_E_HOLD_WRITES_TIMEOUT\)/,
    );
    expect(r.output).toMatch(/dcli: ERR_TIMEOUT: snapshot too-slow failed at commit/);
    expect(pool.clock.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(pool.clock.now() - started).toBeLessThan(12_000);
    expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
    expect(userSnapshots(pool)).toEqual([]);
    expect(pool.reports.listSets('g1')).toEqual([]);
  });

  it('a provider that answers within the limit succeeds after that much time frozen', async () => {
    await pool.dcli('g1', 'dcli lab vss --provider-delay 3000');
    const r = await pool.dcli('g1', 'dcli snapshot create SG1 --name slow-but-ok');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/thaw: thawed after 3000 ms frozen/);
    expect(userSnapshots(pool)).toHaveLength(2);
  });

  it('a provider error after Dom0 made the snapshots deletes them again: no partial set', async () => {
    await pool.dcli('g1', 'dcli lab vss --provider-error');
    const r = await pool.dcli('g1', 'dcli snapshot create SG1');
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(
      /commit: FAILED: the XDC hardware provider failed in PostCommitSnapshots after Dom0 created 2 snapshot\(s\)/,
    );
    expect(r.output).toMatch(/cleanup: no snapshot of the set was kept/);
    expect(userSnapshots(pool)).toEqual([]);
    expect(pool.reports.listSets('g1')).toEqual([]);
    expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
  });

  it('a writer veto fails the freeze: nothing reaches Dom0 and the app keeps running', async () => {
    await pool.dcli('g1', 'dcli lab vss --veto SG1');
    const r = await pool.dcli('g1', 'dcli snapshot create SG1');
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/freeze: FAILED: Microsoft Exchange Writer vetoed the freeze of SG1/);
    expect(r.output).toMatch(/failed at freeze/);
    expect(userSnapshots(pool)).toEqual([]);
    const sg1 = pool.host('g1').resolveApp('SG1');
    expect(sg1.state).toBe('online');
    const before = sg1.recordsWritten;
    await pool.clock.advance(1000);
    expect(sg1.recordsWritten).toBeGreaterThan(before);
    await pool.run(pool.host('g1').reporter.flush());
    expect(events(pool, 'vss.failed').at(-1)?.message).toMatch(/freeze failed/);
  });

  it('--crash-consistent skips the writers: no freeze, consistency crash', async () => {
    const r = await pool.dcli('g1', 'dcli snapshot create lun0 --crash-consistent --name sys-crash');
    expect(r.exitCode).toBe(0);
    expect(r.output).not.toMatch(/freeze/);
    expect(userSnapshots(pool).map((s) => [s.parentId, s.consistency])).toEqual([['vol-g1-sys', 'crash']]);
  });

  it('restore refuses while SG1 is online; with --offline-app it restores the content and brings SG1 back', async () => {
    await pool.dcli('g1', 'dcli io write lun1 --offset 0 --length 64k --seed 11');
    expect((await pool.dcli('g1', 'dcli snapshot create SG1 --name good')).exitCode).toBe(0);
    await pool.dcli('g1', 'dcli io write lun1 --offset 0 --length 64k --seed 99');
    expect((await pool.dcli('g1', 'dcli io verify lun1 --offset 0 --length 64k --seed 11')).exitCode).toBe(1);
    const refused = await pool.dcli('g1', 'dcli snapshot restore good');
    expect(refused.exitCode).toBe(1);
    expect(refused.output).toMatch(
      /SG1 \(Exchange storage group\) is online on the LUN\(s\) of good; take it offline first or use --offline-app/,
    );
    const r = await pool.dcli('g1', 'dcli snapshot restore good --offline-app');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/SG1 taken offline for the restore/);
    expect(r.output).toMatch(/vol-g1-db <- vol-g1-db\.vss-[0-9a-f]+-0 \(copy-back, \d+ bytes copied\)/);
    expect((await pool.dcli('g1', 'dcli io verify lun1 --offset 0 --length 64k --seed 11')).exitCode).toBe(0);
    expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
    expect((await pool.dcli('g1', 'dcli snapshot restore nothing-here')).output).toMatch(
      /no snapshot named nothing-here/,
    );
  });

  it('the central server cut off after the commit: the set fails at record and its snapshots are removed', async () => {
    await pool.dcli('g1', 'dcli lab vss --provider-delay 3000');
    const pending = pool.host('g1').runDcli('dcli snapshot create SG1 --name cut-off');
    await pool.clock.advance(1000);
    pool.fabric.partition('h0');
    try {
      const r = await pool.run(pending);
      expect(r.exitCode).toBe(1);
      expect(r.output).toMatch(/commit: Dom0 created/);
      expect(r.output).toMatch(
        /record: FAILED: the central server did not record the set \(central server central did not answer within 5 s \(partitioned\)\); its snapshots were removed/,
      );
      expect(userSnapshots(pool)).toEqual([]);
      expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
    } finally {
      pool.fabric.heal('h0');
    }
    expect(pool.reports.listSets('g1')).toEqual([]);
  });

  it('while the central server is away, reports queue in the guest and arrive in order after heal', async () => {
    await pool.run(pool.host('g1').reporter.flush());
    pool.fabric.partition('h0');
    try {
      expect((await pool.dcli('g1', 'dcli snapshot list')).output).toMatch(
        /ERR_NODE_UNREACHABLE: central server central did not answer within 5 s/,
      );
      await pool.run(pool.host('g1').runScript('quiesce-app', { app: 'SG1' }));
      await pool.run(pool.host('g1').runScript('unquiesce-app', { app: 'SG1' }));
      await pool.clock.advance(6000);
      expect(pool.host('g1').reporter.pending).toBe(2);
      expect(pool.reports.guestView('g1').apps[0]!.state).toBe('online');
    } finally {
      pool.fabric.heal('h0');
    }
    await pool.clock.advance(2500);
    await pool.run(pool.host('g1').reporter.flush());
    expect(pool.host('g1').reporter.pending).toBe(0);
    const states = events(pool, 'app.state')
      .slice(-2)
      .map((e) => e.data?.to);
    expect(states).toEqual(['frozen', 'online']);
  });

  it("Dom0's xprtld not answering fails the snapshot at commit with the node named, and the app thawed", async () => {
    await pool.xprtlds.get('h1')!.stop();
    const r = await pool.dcli('g1', 'dcli snapshot create SG1 --name no-dom0');
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/commit: FAILED: host h1 could not be reached/);
    expect(r.output).toMatch(/dcli: ERR_NODE_UNREACHABLE: snapshot no-dom0 failed at commit/);
    expect(pool.host('g1').resolveApp('SG1').state).toBe('online');
    expect(userSnapshots(pool)).toEqual([]);
    expect(pool.host('g1').provider.pendingCleanups).toBe(1);
  });
});

describe('snapshots in a Linux guest', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('are crash-consistent, and DCLI says there is no VSS', async () => {
    const r = await pool.dcli('g2', 'dcli snapshot create lun1 --name data1');
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/This Linux guest has no VSS: the snapshot is crash-consistent/);
    expect(r.output).not.toMatch(/freeze/);
    const snaps = userSnapshots(pool);
    expect(snaps.map((s) => [s.parentId, s.consistency])).toEqual([['vol-g2-data', 'crash']]);
    const del = await pool.dcli('g2', 'dcli snapshot delete data1');
    expect(del.exitCode).toBe(0);
    expect(userSnapshots(pool)).toEqual([]);
    expect((await pool.dcli('g2', 'dcli snapshot delete data1')).exitCode).toBe(1);
  });
});
