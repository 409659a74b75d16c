/**
 * The pool clock: the one source of time for everything that happens inside the pool
 * (migration phases, request timeouts, schedules, VSS freeze limits).
 *
 * - `ScaledClock` runs at real time times a speed factor (pause = 0, 1x, 10x, 100x) in the app.
 * - `VirtualClock` only moves when a test advances it: deterministic, no sleeps in tests.
 *
 * Both expose timers on pool time. A timer never fires "late" in pool terms: it fires at the
 * pool instant it was due, in due order.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface PoolClock {
  /** Milliseconds of pool time since the clock's epoch. */
  now(): number;
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Resolves after `ms` of pool time; rejects with the signal's reason if aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly speed: number;
  setSpeed(speed: number): void;
  /**
   * Moves pool time forward to `ms` if it is behind (a reopened lab continues from the time it
   * was saved at, so timestamps stay monotonic across restarts). Never moves time backwards.
   */
  resumeFrom(ms: number): void;
}

interface PendingTimer {
  id: number;
  due: number;
  seq: number;
  fire: () => void;
}

abstract class TimerQueue {
  protected timers = new Map<number, PendingTimer>();
  protected nextId = 1;
  protected seq = 0;

  protected addTimer(due: number, fire: () => void): PendingTimer {
    const t = { id: this.nextId++, due, seq: this.seq++, fire };
    this.timers.set(t.id, t);
    return t;
  }

  protected earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  abstract now(): number;
  abstract setTimer(delayMs: number, fire: () => void): TimerHandle;
  abstract clearTimer(handle: TimerHandle): void;

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.clearTimer(h);
        reject(signal?.reason);
      };
      const h = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

/**
 * Test clock. `advance(ms)` fires due timers in order; between timers it lets the event loop
 * run until the pool is quiet (`quiesce`, which the pool sets to "no xprtld request is still
 * being answered"), so real HTTP round trips finish before pool time moves on.
 */
export class VirtualClock extends TimerQueue implements PoolClock {
  private current = 0;
  speed = 1;
  quiesce: () => Promise<void> = settleEventLoop;

  now(): number {
    return this.current;
  }

  setSpeed(speed: number): void {
    this.speed = speed;
  }

  resumeFrom(ms: number): void {
    if (ms > this.current) this.current = ms;
  }

  setTimer(delayMs: number, fire: () => void): TimerHandle {
    return { id: this.addTimer(this.current + Math.max(0, delayMs), fire).id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Moves pool time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.quiesce();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fire();
      await this.quiesce();
    }
    this.current = target;
    await this.quiesce();
  }

  /**
   * Runs pool time forward, timer by timer, until `p` settles: for tests that wait on a job
   * running on the pool clock. Fails loudly if `p` waits on nothing that could ever fire.
   */
  async run<T>(p: Promise<T>, maxMs = 3_600_000): Promise<T> {
    let settled = false;
    const tracked = p.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    const deadline = this.current + maxMs;
    for (let idleTurns = 0; ; ) {
      await this.quiesce();
      if (settled) return tracked;
      const next = this.earliest();
      if (!next) {
        // Maybe waiting on real I/O (a file, a socket): give it wall time, but not forever.
        if (++idleTurns > 200)
          throw new Error('VirtualClock.run: promise pending and no pool timer scheduled');
        await new Promise<void>((r) => setTimeout(r, 2));
        continue;
      }
      idleTurns = 0;
      if (next.due > deadline)
        throw new Error(`VirtualClock.run: promise still pending after ${maxMs} ms of pool time`);
      await this.advance(next.due - this.current);
    }
  }
}

/** Lets pending I/O callbacks and microtasks run a few turns of the event loop. */
export async function settleEventLoop(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** App clock: real time scaled by a speed factor; speed 0 pauses the pool. */
export class ScaledClock extends TimerQueue implements PoolClock {
  private poolBase = 0;
  private wallBase = performance.now();
  private currentSpeed: number;
  private wake: NodeJS.Timeout | undefined;

  constructor(speed = 1) {
    super();
    this.currentSpeed = speed;
  }

  get speed(): number {
    return this.currentSpeed;
  }

  now(): number {
    return this.poolBase + (performance.now() - this.wallBase) * this.currentSpeed;
  }

  resumeFrom(ms: number): void {
    if (ms <= this.now()) return;
    this.poolBase = ms;
    this.wallBase = performance.now();
    this.schedule();
  }

  setSpeed(speed: number): void {
    if (!(speed >= 0)) throw new RangeError(`clock speed must be >= 0, got ${speed}`);
    this.poolBase = this.now();
    this.wallBase = performance.now();
    this.currentSpeed = speed;
    this.schedule();
  }

  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const t = this.addTimer(this.now() + Math.max(0, delayMs), fire);
    this.schedule();
    return { id: t.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
    this.schedule();
  }

  /** Stops the wall-clock wake-up so the process can exit. */
  dispose(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    this.timers.clear();
  }

  private schedule(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    const next = this.earliest();
    if (!next || this.currentSpeed === 0) return;
    const wallDelay = Math.max(0, (next.due - this.now()) / this.currentSpeed);
    this.wake = setTimeout(() => this.fireDue(), Math.min(wallDelay, 2_147_000_000));
  }

  private fireDue(): void {
    this.wake = undefined;
    const now = this.now();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > now) break;
      this.timers.delete(next.id);
      try {
        next.fire();
      } catch (e) {
        // A timer callback must never take the pool down; it reports through its own path.
        console.error('pool timer failed:', e);
      }
    }
    this.schedule();
  }
}
