import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestRemote } from '../../../src-main/pool/guest/remote';
import { type GuestPool, naaOf, openGuestPool } from './fixture';

describe('XDC Reporter, the central inventory and the guest routes', () => {
  let pool: GuestPool;
  let remote: GuestRemote;
  beforeAll(async () => {
    pool = await openGuestPool();
    remote = new GuestRemote(pool.fabric, pool.centralCredentials);
  });
  afterAll(async () => {
    await pool?.close();
  });

  it("the central server's view of a guest comes from its reports: LUNs by SCSI identity, apps with state", () => {
    const v = pool.reports.guestView('g1');
    expect(v.luns.map((l) => [l.lun, l.vdiId, l.naa])).toEqual([
      [0, 'vol-g1-sys', naaOf('vol-g1-sys')],
      [1, 'vol-g1-db', naaOf('vol-g1-db')],
      [2, 'vol-g1-log', naaOf('vol-g1-log')],
    ]);
    expect(v.luns.every((l) => l.sizeBytes === 8 * 1024 * 1024 && /^XDC[0-9A-F]{17}$/.test(l.serial))).toBe(
      true,
    );
    expect(v.apps).toEqual([
      { id: 'SG1', name: 'First Storage Group', kind: 'exchange', state: 'online', luns: [1, 2] },
    ]);
    expect(v.reportedAt).not.toBeNull();
    expect([...pool.reports.allGuestViews().keys()]).toEqual(['g1', 'g2']);
    const discovery = pool.events.after(0, 100, 'guest.discovery');
    expect(discovery.map((e) => e.source).sort()).toEqual(['g1', 'g2']);
  });

  it('an app state change reaches the central tables and the event log', async () => {
    await pool.run(pool.host('g1').runScript('quiesce-app', { app: 'SG1' }));
    await pool.run(pool.host('g1').reporter.flush());
    expect(pool.reports.guestView('g1').apps[0]!.state).toBe('frozen');
    await pool.run(pool.host('g1').runScript('unquiesce-app', { app: 'SG1' }));
    await pool.run(pool.host('g1').reporter.flush());
    expect(pool.reports.guestView('g1').apps[0]!.state).toBe('online');
    const last = pool.events.after(0, 5000, 'app.state').at(-1)!;
    expect(last).toMatchObject({
      source: 'g1',
      subject: 'SG1',
      message: 'Exchange storage group SG1: frozen -> online',
    });
  });

  it('a report sent twice (answer lost) updates the inventory but is logged once', async () => {
    const host = pool.host('g1');
    const before = pool.events.seq;
    const report = {
      guestId: 'g1',
      bootId: host.reporter.bootId,
      seq: 10_000,
      time: pool.clock.now(),
      kind: 'test.duplicate',
      subject: null,
      message: 'once',
      data: null,
      inventory: { luns: host.luns(), apps: host.apps().map((a) => a.record()) },
    };
    expect(pool.reports.applyReport(report, 'node:g1')).toEqual({ logged: true });
    expect(pool.reports.applyReport(report, 'node:g1')).toEqual({ logged: false });
    expect(pool.events.seq).toBe(before + 1);
  });

  it('a guest may not report for another guest', async () => {
    const g2 = pool.host('g2');
    const forged = {
      guestId: 'g1',
      bootId: 'x',
      seq: 1,
      time: 0,
      kind: 'evil',
      subject: null,
      message: 'pretending to be g1',
      data: null,
      inventory: { luns: [], apps: [] },
    };
    const creds = (g2 as unknown as { o: { credentials: { nodeId: string; token: string } } }).o.credentials;
    await expect(
      pool.run(pool.fabric.call(creds, 'central', 'POST', '/xdc/v1/reports', forged)),
    ).rejects.toThrow(/ERR_FORBIDDEN|may not write records of guest g1/);
    expect(pool.reports.guestView('g1').luns).toHaveLength(3);
  });

  it('the central server runs DCLI, completion, discovery and scripts in a guest over xprtld', async () => {
    const r = await pool.run(remote.dcli('g2', 'dcli lun list --json'));
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.output) as unknown[]).length).toBe(2);
    expect(await pool.run(remote.complete('g1', 'dcli app show '))).toEqual({
      candidates: ['SG1'],
      replaceFrom: 14,
    });
    const d = (await pool.run(remote.discover('g1'))) as {
      luns: Array<{ lun: number }>;
      apps: Array<{ id: string }>;
    };
    expect(d.luns.map((l) => l.lun)).toEqual([0, 1, 2]);
    expect(d.apps.map((a) => a.id)).toEqual(['SG1']);
    const rescan = await pool.run(remote.runScript('g1', 'rescan-luns', {}));
    expect(rescan.exitCode).toBe(0);
    expect(rescan.output).toMatch(/3 LUN\(s\); 0 added, 0 removed, 0 resized/);
    const logs = await pool.run(remote.runScript('g1', 'collect-logs', { lines: '5' }));
    expect(logs.output.split('\n')).toHaveLength(5);
    expect(logs.output).toMatch(/\[\s+\d+\.\d{3}s\] \w/);
    await expect(pool.run(remote.runScript('g1', 'format-disk', {}))).rejects.toThrow(
      /no management script 'format-disk'/,
    );
    const noApp = await pool.run(remote.runScript('g1', 'quiesce-app', {}));
    expect(noApp.exitCode).toBe(2);
    // The arguments may also be the body itself.
    const flat = await pool.run(
      pool.fabric.call<{ exitCode: number; output: string }>(
        pool.centralCredentials,
        'g1',
        'POST',
        '/xdc/v1/scripts/collect-logs',
        { lines: '2' },
      ),
    );
    expect(flat.output.split('\n')).toHaveLength(2);
    await expect(
      pool.run(
        pool.fabric.call(pool.centralCredentials, 'g1', 'POST', '/xdc/v1/scripts/collect-logs', { lines: 2 }),
      ),
    ).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
      message: expect.stringMatching(/^script args: lines: /),
    });
  });

  it('management scripts are refused to anyone but the central server', async () => {
    const g2 = pool.host('g2') as unknown as { o: { credentials: { nodeId: string; token: string } } };
    await expect(
      pool.run(
        pool.fabric.call(g2.o.credentials, 'g1', 'POST', '/xdc/v1/scripts/collect-logs', { args: {} }),
      ),
    ).rejects.toThrow(/management scripts are run only by the central server/);
  });

  it('a partitioned guest does not answer: DCLI through the central server times out with ERR_NODE_UNREACHABLE', async () => {
    pool.fabric.partition('g2');
    try {
      const started = pool.clock.now();
      await expect(pool.run(remote.dcli('g2', 'dcli lun list'))).rejects.toThrow(
        /guest g2 did not answer within 120 s \(partitioned\)/,
      );
      expect(pool.clock.now() - started).toBe(120_000);
    } finally {
      pool.fabric.heal('g2');
    }
    expect((await pool.run(remote.dcli('g2', 'dcli app list'))).exitCode).toBe(0);
  });

  it('a stopped managed host answers ERR_HOST_DOWN on its routes and is not running', async () => {
    const g2 = pool.host('g2');
    g2.stop();
    await expect(pool.run(remote.dcli('g2', 'dcli lun list'))).rejects.toThrow(/ERR_HOST_DOWN|not running/);
    expect(await g2.runDcli('dcli lun list')).toEqual({ exitCode: 1, output: 'lnx01 is not running' });
    const discoveries = pool.events.after(0, 5000, 'guest.discovery').filter((e) => e.source === 'g2').length;
    await g2.start();
    await pool.run(g2.settled());
    expect((await pool.run(remote.dcli('g2', 'dcli lun list'))).exitCode).toBe(0);
    // Restarted, it reports again and runs schedules again.
    expect(pool.events.after(0, 5000, 'guest.discovery').filter((e) => e.source === 'g2')).toHaveLength(
      discoveries + 1,
    );
    expect((await pool.dcli('g2', 'dcli schedule add lun0 --every 10s --keep 1')).exitCode).toBe(0);
    await pool.clock.advance(10_500);
    await pool.run(g2.scheduler.idle());
    expect(g2.scheduler.runs.at(-1)).toMatchObject({ ok: true });
  });
});
