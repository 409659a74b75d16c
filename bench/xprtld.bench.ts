/**
 * xprtld.roundtrip: requests per second of a small authenticated JSON request from one node to
 * another through the fabric (real HTTP on loopback, keep-alive, VRTSat token verified on every
 * request), against the same handler called in-process in the same run. The ratio is far below
 * 1 by nature; the figure tells how many management messages per second the pool can carry.
 *
 * eventlog.append: the central server's event log, one durable commit per event against
 * batches of 100 per commit, to back the choice made in src-main/pool/central/events.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthBroker } from '../src-main/pool/central/auth';
import { CentralDb } from '../src-main/pool/central/db';
import { EventLog } from '../src-main/pool/central/events';
import { CentralRepos } from '../src-main/pool/central/repos';
import { ScaledClock } from '../src-main/pool/net/clock';
import { Fabric } from '../src-main/pool/net/fabric';
import { type RequestContext, Xprtld } from '../src-main/pool/net/xprtld';
import { type BenchOptions, compareOps, report } from './lib';

export default async function xprtldBench(opts: BenchOptions): Promise<void> {
  const labDir = mkdtempSync(join(tmpdir(), 'xdc-bench-xprtld-'));
  const db = CentralDb.open(labDir);
  const broker = new AuthBroker(new CentralRepos(db));
  const clock = new ScaledClock(1);
  const fabric = new Fabric({ clock });
  const daemons: Xprtld[] = [];
  try {
    const activate = (ctx: Pick<RequestContext, 'params' | 'body'>) => ({
      vdiId: ctx.params.vdiId,
      owner: 'h2',
      mode: (ctx.body as { mode?: string } | undefined)?.mode ?? 'rw',
    });
    for (const [id, kind, hostId] of [
      ['h2', 'dom0', null],
      ['g1', 'guest', 'h2'],
    ] as const) {
      const x = new Xprtld({ nodeId: id, authenticate: (t) => broker.authenticate(t) });
      x.route('POST', '/xdc/v1/volumes/{vdiId}/activate', activate, { role: 'node' });
      await x.start();
      fabric.register({ id, kind, hostId, xprtld: x });
      daemons.push(x);
    }
    const g1 = { nodeId: 'g1', token: broker.loginNode('g1', broker.registerNode('g1', 'guest')).token };
    broker.registerNode('h2', 'dom0');

    const body = { mode: 'rw' };
    const viaXprtld = () => fabric.call(g1, 'h2', 'POST', '/xdc/v1/volumes/vdi-7/activate', body);
    const inProcess = () => activate({ params: { vdiId: 'vdi-7' }, body });
    const check = (await viaXprtld()) as { vdiId: string };
    if (check.vdiId !== 'vdi-7') throw new Error(`unexpected answer ${JSON.stringify(check)}`);

    const r = await compareOps(
      viaXprtld,
      inProcess,
      opts.quick ? { rounds: 3, msPerRound: 300 } : { rounds: 5, msPerRound: 1000 },
    );
    report({
      name: 'xprtld.roundtrip',
      value: r.subject,
      unit: 'req/s',
      baseline: r.baseline,
      baselineUnit: 'calls/s in-process',
      goal: '>= 2000 req/s through xprtld on loopback',
    });

    // The event log's durability choice: one commit per append (synchronous=FULL) against
    // batches of 100 in one transaction, per event.
    const log = new EventLog(db);
    const ev = {
      time: 0,
      kind: 'migration.phase',
      source: 'h2',
      subject: 'g1',
      message: 'pre-copy round 3: 41 MiB dirty',
      data: { round: 3 },
    };
    const batch = Array.from({ length: 100 }, () => ev);
    const e = await compareOps(
      () => log.append(ev),
      () => log.appendMany(batch),
      opts.quick ? { rounds: 3, msPerRound: 200 } : { rounds: 5, msPerRound: 600 },
    );
    report({
      name: 'eventlog.append',
      value: e.subject,
      unit: 'events/s durable one-by-one',
      baseline: e.baseline * 100,
      baselineUnit: 'events/s in batches of 100',
      goal: '>= 100 events/s one-by-one (a migration writes tens per second)',
    });
  } finally {
    fabric.close();
    for (const x of daemons) await x.stop();
    clock.dispose();
    db.close();
    rmSync(labDir, { recursive: true, force: true });
  }
}
