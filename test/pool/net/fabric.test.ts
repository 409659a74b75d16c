import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XdcError } from '../../../src-main/pool/errors';
import { settleEventLoop, VirtualClock } from '../../../src-main/pool/net/clock';
import { Fabric, type NodeCredentials, type NodeKind } from '../../../src-main/pool/net/fabric';
import { Xprtld } from '../../../src-main/pool/net/xprtld';
import { type CentralFixture, centralFixture } from './lab-fixture';

/**
 * A small pool: central server c1 (a guest on h1), hosts h1 and h2, guests g1 on h1 and g3 on
 * h2. Every node runs a real xprtld and logs in to the broker with its boot secret.
 */
describe('the pool network', () => {
  let central: CentralFixture;
  let clock: VirtualClock;
  let fabric: Fabric;
  const daemons = new Map<string, Xprtld>();
  const creds = new Map<string, NodeCredentials>();

  async function boot(id: string, kind: NodeKind, hostId: string | null) {
    const x = new Xprtld({ nodeId: id, authenticate: (t) => central.broker.authenticate(t) });
    x.route('GET', '/xdc/v1/whoami', (ctx) => ({ node: id, caller: ctx.caller?.principal, from: ctx.from }));
    x.route('POST', '/xdc/v1/echo', (ctx) => ({ node: id, echo: ctx.body }), { role: 'node' });
    x.route('POST', '/xdc/v1/fail', () => {
      throw new XdcError('ERR_HOST_DOWN', 'host h9 is down');
    });
    await x.start();
    fabric.register({ id, kind, hostId, xprtld: x });
    daemons.set(id, x);
    const secret = central.broker.registerNode(id, kind);
    creds.set(id, { nodeId: id, token: central.broker.loginNode(id, secret).token });
  }

  const as = (id: string) => creds.get(id)!;

  beforeEach(async () => {
    central = centralFixture();
    clock = new VirtualClock();
    fabric = new Fabric({ clock });
    clock.quiesce = () => fabric.quiesce();
    await boot('h1', 'dom0', null);
    await boot('h2', 'dom0', null);
    await boot('c1', 'central', 'h1');
    await boot('g1', 'guest', 'h1');
    await boot('g3', 'guest', 'h2');
  });

  afterEach(async () => {
    fabric.close();
    for (const x of daemons.values()) await x.stop();
    daemons.clear();
    creds.clear();
    central.dispose();
  });

  /** Tracks a call's outcome without awaiting it, so pool time can be moved meanwhile. */
  function track<T>(p: Promise<T>) {
    const state: { done: boolean; value?: T; error?: XdcError } = { done: false };
    p.then(
      (v) => Object.assign(state, { done: true, value: v }),
      (e: XdcError) => Object.assign(state, { done: true, error: e }),
    );
    return state;
  }

  async function heldDrains(): Promise<number> {
    for (let i = 0; i < 200 && [...daemons.values()].some((d) => d.heldCount > 0); i++)
      await settleEventLoop();
    return [...daemons.values()].reduce((n, d) => n + d.heldCount, 0);
  }

  it('two nodes answer each other over real HTTP, each seeing the other as the caller', async () => {
    const there = await fabric.call(as('g1'), 'h2', 'GET', '/xdc/v1/whoami');
    expect(there).toEqual({ node: 'h2', caller: 'node:g1', from: 'g1' });
    const back = await fabric.call(as('h2'), 'g1', 'POST', '/xdc/v1/echo', { lun: 3 });
    expect(back).toEqual({ node: 'g1', echo: { lun: 3 } });
  });

  it('an XdcError raised on the far node arrives unchanged', async () => {
    const err = await fabric.call(as('g1'), 'h1', 'POST', '/xdc/v1/fail', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XdcError);
    expect(String(err)).toBe('ERR_HOST_DOWN: host h9 is down');
  });

  it('a partitioned guest does not answer: the caller gets ERR_NODE_UNREACHABLE after exactly 5 s of pool time, not before', async () => {
    fabric.partition('g3');
    const call = track(fabric.call(as('g1'), 'g3', 'GET', '/xdc/v1/whoami'));
    await clock.advance(4999);
    expect(call.done).toBe(false);
    expect(daemons.get('g3')!.heldCount).toBe(1);
    await clock.advance(1);
    expect(call.done).toBe(true);
    expect(call.error?.code).toBe('ERR_NODE_UNREACHABLE');
    expect(call.error?.message).toBe('guest g3 did not answer within 5 s (partitioned)');
    expect(clock.now()).toBe(5000);
    expect(await heldDrains()).toBe(0);
  });

  it('a crashed host takes its guests down: calls to both time out naming the node', async () => {
    fabric.setDown('h2', true);
    expect(fabric.status('g3')).toBe('down');
    const toHost = track(
      fabric.call(as('g1'), 'h2', 'GET', '/xdc/v1/whoami', undefined, { timeoutMs: 2000 }),
    );
    const toGuest = track(fabric.call(as('c1'), 'g3', 'GET', '/xdc/v1/whoami'));
    await clock.advance(1999);
    expect(toHost.done || toGuest.done).toBe(false);
    await clock.advance(1);
    expect(toHost.error?.message).toBe('host h2 did not answer within 2 s (down)');
    expect(toGuest.done).toBe(false);
    await clock.advance(3000);
    expect(toGuest.error?.message).toBe('guest g3 did not answer within 5 s (its host h2 is down)');
    expect(await heldDrains()).toBe(0);
  });

  it('heal: the node answers again', async () => {
    fabric.partition('g3');
    const lost = track(fabric.call(as('c1'), 'g3', 'GET', '/xdc/v1/whoami'));
    await clock.advance(5000);
    expect(lost.error?.code).toBe('ERR_NODE_UNREACHABLE');
    fabric.heal('g3');
    expect(await fabric.call(as('c1'), 'g3', 'GET', '/xdc/v1/whoami')).toMatchObject({ node: 'g3' });
  });

  it('a partitioned host is cut off with its guests, which still reach their own host', async () => {
    fabric.partition('h1');
    expect(fabric.reachable('g1', 'h1')).toBe(true);
    expect(await fabric.call(as('g1'), 'h1', 'GET', '/xdc/v1/whoami')).toMatchObject({ node: 'h1' });
    const out = track(fabric.call(as('g1'), 'h2', 'GET', '/xdc/v1/whoami', undefined, { timeoutMs: 1000 }));
    await clock.advance(1000);
    expect(out.error?.message).toBe('host h2 did not answer within 1 s (the caller g1 is partitioned)');
  });

  it('a migrated guest shares its new host’s fate', async () => {
    fabric.moveGuest('g1', 'h2');
    fabric.setDown('h2', true);
    expect(fabric.status('g1')).toBe('down');
    fabric.setDown('h2', false);
    fabric.setDown('h1', true);
    expect(await fabric.call(as('g3'), 'g1', 'GET', '/xdc/v1/whoami')).toMatchObject({ node: 'g1' });
  });

  it('an answer lost to a partition that begins mid-request still times out on pool time', async () => {
    const slow = daemons.get('g3')!;
    let release: () => void = () => undefined;
    let started = false;
    slow.route('GET', '/xdc/v1/slow', () => {
      started = true;
      return new Promise((r) => (release = () => r({ late: true })));
    });
    const call = track(fabric.call(as('g1'), 'g3', 'GET', '/xdc/v1/slow', undefined, { timeoutMs: 3000 }));
    for (let i = 0; i < 200 && !started; i++) await settleEventLoop();
    expect(started).toBe(true);
    fabric.partition('g3');
    release();
    await clock.advance(2999);
    expect(call.done).toBe(false);
    await clock.advance(1);
    expect(call.error?.message).toBe('guest g3 did not answer within 3 s (partitioned)');
  });

  it('calls to a node whose xprtld stopped fail at once; unknown nodes are ERR_NOT_FOUND', async () => {
    await daemons.get('g3')!.stop();
    await expect(fabric.call(as('g1'), 'g3', 'GET', '/xdc/v1/whoami')).rejects.toMatchObject({
      code: 'ERR_NODE_UNREACHABLE',
      message: 'guest g3 could not be reached (its xprtld is not listening)',
    });
    await expect(fabric.call(as('g1'), 'g99', 'GET', '/x')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('quiesce waits for answerable requests and ignores held ones', async () => {
    fabric.partition('g3');
    const held = track(fabric.call(as('g1'), 'g3', 'GET', '/xdc/v1/whoami'));
    const answered = track(fabric.call(as('g1'), 'h2', 'GET', '/xdc/v1/whoami'));
    await fabric.quiesce();
    expect(answered.done).toBe(true);
    expect(held.done).toBe(false);
    expect(fabric.answerableInFlight()).toBe(0);
    await clock.advance(5000);
    expect(held.error?.code).toBe('ERR_NODE_UNREACHABLE');
  });
});
