/**
 * The pool feed: pool events, not component effects, feed the store. Each event is appended
 * to the event log and schedules a throttled re-read of the pool (so ownership edges, guest
 * phases and host states follow the real pool), a refresh of the migration jobs it names, and
 * a throttled invariants check; invariants are also polled. After a reconnect the feed reads
 * the events it missed. Timers come from an injected scheduler so tests drive time by hand.
 */
import type { PoolEvent } from '../../src-main/api/contract';
import { type ApiClient, errorSentence } from '../api/client';
import type { XdcStore } from './store';

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const browserScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export type FeedClient = Pick<
  ApiClient,
  'getPool' | 'listJobs' | 'getJob' | 'events' | 'labInfo' | 'invariants' | 'onEvent' | 'onStatus'
>;

export interface PoolFeedOptions {
  client: FeedClient;
  store: XdcStore;
  scheduler?: Scheduler;
  /** Minimum spacing of pool re-reads while events stream in. */
  poolRefreshMs?: number;
  /** Minimum spacing of invariant checks triggered by events. */
  invariantsRefreshMs?: number;
  /** Invariants poll period when nothing happens. */
  invariantsPollMs?: number;
}

export interface PoolFeed {
  /** First read of everything; resolves when the first pool view is in the store. */
  start(): Promise<void>;
  /** A new lab was opened: forget the old log and read everything again. */
  reload(): Promise<void>;
  refreshPoolSoon(): void;
  refreshInvariantsNow(): Promise<void>;
  dispose(): void;
}

/** A task that runs at most once per `spacingMs`, never twice at once, and again if asked meanwhile. */
class ThrottledTask {
  private timer: unknown = null;
  private running = false;
  private again = false;
  private last = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly spacingMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  request(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.spacingMs - this.scheduler.now());
    this.timer = this.scheduler.setTimeout(() => void this.run(), wait);
  }

  async run(): Promise<void> {
    if (this.timer !== null) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.disposed) return;
    this.running = true;
    this.last = this.scheduler.now();
    try {
      await this.task();
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.request();
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The job an event is about, when it is about one (migration events carry `data.jobId`). */
export function jobIdOf(event: PoolEvent): string | null {
  const jobId = event.data?.jobId;
  return typeof jobId === 'string' && jobId.length > 0 ? jobId : null;
}

export function connectPoolFeed(opts: PoolFeedOptions): PoolFeed {
  const { client, store } = opts;
  const scheduler = opts.scheduler ?? browserScheduler;
  const jobsToRead = new Set<string>();
  const unsubscribers: Array<() => void> = [];
  let wasDisconnected = false;
  let pollTimer: unknown = null;
  let disposed = false;

  const readPool = async () => {
    const s = store.getState();
    try {
      const [pool, lab] = await Promise.all([client.getPool({}), client.labInfo({})]);
      s.setPool(pool, scheduler.now());
      s.setLab(lab);
    } catch (e) {
      s.setPoolError(errorSentence(e));
    }
    // Jobs named by events, plus every job still running (its progress moves between events).
    const running = Object.values(store.getState().jobs).filter((j) => j.state === 'running');
    for (const j of running) jobsToRead.add(j.id);
    const ids = [...jobsToRead];
    jobsToRead.clear();
    await Promise.all(
      ids.map(async (jobId) => {
        try {
          store.getState().upsertJob(await client.getJob({ jobId }));
        } catch {
          // A job the pool forgot (new lab) just stays as last seen.
        }
      }),
    );
  };

  const readInvariants = async () => {
    try {
      store.getState().setInvariants(await client.invariants({}), null);
    } catch (e) {
      store.getState().setInvariants(store.getState().invariants, errorSentence(e));
    }
  };

  const pool = new ThrottledTask(scheduler, opts.poolRefreshMs ?? 200, readPool);
  const invariants = new ThrottledTask(scheduler, opts.invariantsRefreshMs ?? 500, readInvariants);

  const readMissedEvents = async () => {
    // Page through everything after what we have, so the log holds the newest events.
    for (let page = 0; page < 20; page++) {
      const batch = await client.events({ after: store.getState().lastSeq, limit: 1000 });
      store.getState().appendEvents(batch);
      if (batch.length < 1000) return;
    }
  };

  const onEvent = (event: PoolEvent) => {
    store.getState().appendEvents([event]);
    const jobId = jobIdOf(event);
    if (jobId) jobsToRead.add(jobId);
    pool.request();
    invariants.request();
  };

  const poll = () => {
    pollTimer = scheduler.setTimeout(() => {
      if (disposed) return;
      invariants.request();
      poll();
    }, opts.invariantsPollMs ?? 2000);
  };

  const readAll = async () => {
    await readPool();
    try {
      store.getState().setJobs(await client.listJobs({}));
    } catch {
      // Jobs appear again with the next migration event.
    }
    try {
      await readMissedEvents();
    } catch (e) {
      store.getState().notify('error', `could not read the event log: ${errorSentence(e)}`);
    }
    await readInvariants();
  };

  return {
    async start() {
      unsubscribers.push(client.onEvent(onEvent));
      unsubscribers.push(
        client.onStatus((status) => {
          store.getState().setConnection(status);
          if (status === 'reconnecting') wasDisconnected = true;
          if (status === 'open' && wasDisconnected) {
            wasDisconnected = false;
            void readMissedEvents().catch(() => undefined);
            pool.request();
            invariants.request();
          }
        }),
      );
      poll();
      await readAll();
    },
    async reload() {
      store.getState().resetEvents();
      store.getState().setJobs([]);
      store.getState().select(null);
      await readAll();
    },
    refreshPoolSoon: () => pool.request(),
    refreshInvariantsNow: () => invariants.run(),
    dispose() {
      disposed = true;
      for (const u of unsubscribers) u();
      pool.dispose();
      invariants.dispose();
      if (pollTimer !== null) scheduler.clearTimeout(pollTimer);
    },
  };
}
