import { describe, expect, it } from 'vitest';
import type { InvariantReport, MigrationJob, PoolEvent, PoolView } from '../../src-main/api/contract';
import type { TransportStatus } from '../../src-renderer/api/transport';
import { connectPoolFeed, type FeedClient, type Scheduler } from '../../src-renderer/state/feed';
import { eventKinds, filterEvents, jobsNewestFirst } from '../../src-renderer/state/selectors';
import { createXdcStore } from '../../src-renderer/state/store';
import { buildPool, demoShape } from './fixtures';

/** Timers that only fire when the test advances time. */
class ManualScheduler implements Scheduler {
  private t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A pool double that answers like the service: it counts reads and can change between them. */
class FakePoolService implements FeedClient {
  pool: PoolView = buildPool(demoShape);
  log: PoolEvent[] = [];
  jobs = new Map<string, MigrationJob>();
  poolReads = 0;
  invariantReads = 0;
  private eventListeners = new Set<(e: PoolEvent) => void>();
  private statusListeners = new Set<(s: TransportStatus) => void>();

  getPool = async () => {
    this.poolReads++;
    return structuredClone(this.pool);
  };
  labInfo = async () => ({ dir: '/tmp/lab', name: 'Test pool', recent: [], dirty: false });
  listJobs = async () => [...this.jobs.values()];
  getJob = async ({ jobId }: { jobId: string }) => {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error('no such job');
    return structuredClone(job);
  };
  events = async ({ after = 0, limit = 500 }: { after?: number; limit?: number }) =>
    this.log.filter((e) => e.seq > after).slice(0, limit);
  invariants = async (): Promise<InvariantReport> => {
    this.invariantReads++;
    return { ok: true, checkedAt: this.invariantReads, checks: [] };
  };
  onEvent = (l: (e: PoolEvent) => void) => {
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  };
  onStatus = (l: (s: TransportStatus) => void) => {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  };

  /** Record an event; `deliver: false` models an event sent while the socket was down. */
  emit(
    kind: string,
    message: string,
    data: Record<string, unknown> | null = null,
    deliver = true,
  ): PoolEvent {
    const event: PoolEvent = {
      seq: this.log.length + 1,
      time: this.log.length * 10,
      kind,
      source: 'pool',
      subject: null,
      message,
      data,
    };
    this.log.push(event);
    if (deliver) for (const l of this.eventListeners) l(event);
    return event;
  }
  status(s: TransportStatus) {
    for (const l of this.statusListeners) l(s);
  }
}

const job = (over: Partial<MigrationJob>): MigrationJob => ({
  id: 'job-1',
  kind: 'migration',
  guestId: 'g1',
  from: 'h1',
  to: 'h2',
  state: 'running',
  phase: 'precopy',
  progress: 0.2,
  phases: [],
  rounds: 1,
  bytesSent: 0,
  downtimeMs: null,
  totalMs: null,
  model: 'precopy',
  error: null,
  rolledBack: [],
  startedAt: 100,
  ...over,
});

async function started() {
  const service = new FakePoolService();
  service.emit('lab.opened', 'lab opened', null, false);
  const store = createXdcStore();
  const scheduler = new ManualScheduler();
  const feed = connectPoolFeed({
    client: service,
    store,
    scheduler,
    poolRefreshMs: 200,
    invariantsPollMs: 2000,
  });
  await feed.start();
  return { service, store, scheduler, feed };
}

describe('the pool feed fills the store', () => {
  it('start reads the pool, the lab, the jobs, the event log and the invariants', async () => {
    const { store, service, feed } = await started();
    const s = store.getState();
    expect(s.pool?.hosts.map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(s.lab?.name).toBe('Test pool');
    expect(s.events.map((e) => e.kind)).toEqual(['lab.opened']);
    expect(s.invariants?.ok).toBe(true);
    expect(service.poolReads).toBe(1);
    feed.dispose();
  });

  it('a burst of events is logged at once and causes one throttled pool re-read, not one per event', async () => {
    const { store, service, scheduler, feed } = await started();
    await scheduler.advance(1000);
    const readsBefore = service.poolReads;
    service.pool = {
      ...service.pool,
      hosts: service.pool.hosts.map((h) => (h.id === 'h2' ? { ...h, state: 'down' } : h)),
    };
    for (let i = 0; i < 25; i++) service.emit('reporter.update', `update ${i}`);
    expect(store.getState().events).toHaveLength(26);
    await scheduler.advance(50);
    expect(service.poolReads).toBe(readsBefore + 1);
    expect(store.getState().pool?.hosts.find((h) => h.id === 'h2')?.state).toBe('down');
    await scheduler.advance(1000);
    expect(service.poolReads).toBe(readsBefore + 1);
    feed.dispose();
  });

  it('a handoff event moves the volume ownership in the store after the re-read', async () => {
    const { store, service, scheduler, feed } = await started();
    service.pool = {
      ...service.pool,
      volumes: service.pool.volumes.map((v) => (v.id === 'vol-g1' ? { ...v, ownerHostId: 'h2' } : v)),
    };
    service.emit('migration.handoff', 'h1 released vol-g1, h2 acquired it', { jobId: 'job-1' });
    await scheduler.advance(300);
    expect(store.getState().pool?.volumes.find((v) => v.id === 'vol-g1')?.ownerHostId).toBe('h2');
    feed.dispose();
  });

  it('migration events refresh the job they name, running jobs keep refreshing until they finish', async () => {
    const { store, service, scheduler, feed } = await started();
    service.jobs.set('job-1', job({ progress: 0.2 }));
    service.emit('migration.phase', 'g1 precopy round 1', { jobId: 'job-1' });
    await scheduler.advance(300);
    expect(store.getState().jobs['job-1']?.progress).toBe(0.2);
    service.jobs.set('job-1', job({ state: 'succeeded', phase: 'done', progress: 1, downtimeMs: 84 }));
    service.emit('reporter.update', 'g1 is on h2');
    await scheduler.advance(300);
    expect(store.getState().jobs['job-1']).toMatchObject({ state: 'succeeded', downtimeMs: 84 });
    feed.dispose();
  });

  it('after a reconnect the events missed while disconnected are read, once each', async () => {
    const { store, service, scheduler, feed } = await started();
    service.status('reconnecting');
    expect(store.getState().connection).toBe('reconnecting');
    service.emit('fault.host-crash', 'h3 crashed', null, false);
    service.emit('fault.host-restore', 'h3 restored', null, false);
    service.status('open');
    await scheduler.advance(500);
    service.emit('login', 'admin logged in');
    expect(store.getState().events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    feed.dispose();
  });

  it('invariants are polled every two seconds even when nothing happens', async () => {
    const { service, scheduler, feed } = await started();
    const before = service.invariantReads;
    await scheduler.advance(6100);
    expect(service.invariantReads).toBe(before + 3);
    feed.dispose();
    await scheduler.advance(6000);
    expect(service.invariantReads).toBe(before + 3);
  });
});

describe('store slices and selectors', () => {
  it('the event log drops duplicates and keeps order by sequence number', () => {
    const store = createXdcStore();
    const e = (seq: number, kind = 'x'): PoolEvent => ({
      seq,
      time: seq,
      kind,
      source: 's',
      subject: null,
      message: `m${seq}`,
      data: null,
    });
    store.getState().appendEvents([e(2), e(1), e(3)]);
    store.getState().appendEvents([e(3), e(2), e(4)]);
    expect(store.getState().events.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });

  it('the log filter matches a kind family and free text', () => {
    const ev = (seq: number, kind: string, message: string): PoolEvent => ({
      seq,
      time: 0,
      kind,
      source: 'central',
      subject: 'g1',
      message,
      data: null,
    });
    const events = [
      ev(1, 'migration.phase', 'precopy round 1'),
      ev(2, 'migration.done', 'downtime 80 ms'),
      ev(3, 'snapshot.created', 'snap of vol-1'),
      ev(4, 'login', 'admin'),
    ];
    expect(filterEvents(events, { kind: 'migration', text: '' }).map((e) => e.seq)).toEqual([1, 2]);
    expect(filterEvents(events, { kind: '', text: 'SNAP' }).map((e) => e.seq)).toEqual([3]);
    expect(filterEvents(events, { kind: 'migration', text: 'downtime' }).map((e) => e.seq)).toEqual([2]);
    expect(eventKinds(events)).toEqual([
      'login',
      'migration',
      'migration.done',
      'migration.phase',
      'snapshot',
      'snapshot.created',
    ]);
  });

  it('terminal tabs: opening twice keeps one tab, closing the active one shows its neighbour', () => {
    const s = createXdcStore();
    s.getState().openTerminal('g1');
    s.getState().openTerminal('g2');
    s.getState().openTerminal('g1');
    expect(s.getState().terminalTabs).toEqual(['g1', 'g2']);
    expect(s.getState().activeTerminal).toBe('g1');
    s.getState().closeTerminal('g1');
    expect(s.getState().activeTerminal).toBe('g2');
    s.getState().closeTerminal('g2');
    expect(s.getState().activeTerminal).toBeNull();
  });

  it('jobs are listed newest first', () => {
    const s = createXdcStore();
    s.getState().setJobs([job({ id: 'a', startedAt: 1 }), job({ id: 'b', startedAt: 5 })]);
    expect(jobsNewestFirst(s.getState().jobs).map((j) => j.id)).toEqual(['b', 'a']);
  });
});
