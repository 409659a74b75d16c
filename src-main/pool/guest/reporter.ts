/**
 * XDC Reporter: pushes every change in the guest to the storage manager on the central server
 * (`POST /xdc/v1/reports`), in order. When the central server cannot be reached the report
 * stays queued and is retried on the pool clock; (bootId, seq) lets the central server drop a
 * report it already applied whose answer was lost.
 */
import { randomBytes } from 'node:crypto';
import type { PoolClock, TimerHandle } from '../net/clock';
import type { GuestLog } from './guest-log';
import type { AppRecord, GuestReport, LunRecord } from './wire';

export interface ReporterOptions {
  guestId: string;
  clock: PoolClock;
  send: (r: GuestReport) => Promise<void>;
  inventory: () => { luns: LunRecord[]; apps: AppRecord[] };
  log: GuestLog;
  retryMs?: number;
  /** Reports kept while the central server is away; the oldest change events go first. */
  maxQueued?: number;
}

export class Reporter {
  readonly bootId = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly queue: GuestReport[] = [];
  private sending: Promise<void> | null = null;
  private retry: TimerHandle | null = null;
  private stopped = false;
  private failures = 0;
  private readonly retryMs: number;
  private readonly maxQueued: number;
  sent = 0;

  constructor(private readonly o: ReporterOptions) {
    this.retryMs = o.retryMs ?? 2000;
    this.maxQueued = o.maxQueued ?? 500;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Queues one change and starts sending; never throws (reporting is best effort, in order). */
  push(
    kind: string,
    subject: string | null,
    message: string,
    data: Record<string, unknown> | null = null,
  ): void {
    if (this.stopped) return;
    this.queue.push({
      guestId: this.o.guestId,
      bootId: this.bootId,
      seq: ++this.seq,
      time: this.o.clock.now(),
      kind,
      subject,
      message,
      data,
      inventory: this.o.inventory(),
    });
    if (this.queue.length > this.maxQueued) this.queue.splice(0, this.queue.length - this.maxQueued);
    this.kick();
  }

  /** Tries now (not waiting for a pending retry); resolves when the queue is empty or the central server did not answer. */
  async flush(): Promise<void> {
    if (this.retry) {
      this.o.clock.clearTimer(this.retry);
      this.retry = null;
    }
    this.kick();
    while (this.sending) await this.sending;
  }

  /** Sends again after a stop (the guest restarted); what was queued before is kept. */
  resume(): void {
    this.stopped = false;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) this.o.clock.clearTimer(this.retry);
    this.retry = null;
  }

  private kick(): void {
    if (this.sending || this.retry || this.stopped || this.queue.length === 0) return;
    this.sending = this.drain().finally(() => {
      this.sending = null;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const head = this.queue[0]!;
      // The newest inventory travels with whatever is sent, so a late report never rolls the central view back.
      const fresh = { ...head, inventory: this.o.inventory() };
      try {
        await this.o.send(fresh);
      } catch (e) {
        this.failures++;
        if (this.failures === 1)
          this.o.log.write(
            'reporter',
            `central server unreachable, ${this.queue.length} report(s) queued: ${String(e)}`,
          );
        if (!this.stopped) {
          this.retry = this.o.clock.setTimer(this.retryMs, () => {
            this.retry = null;
            this.kick();
          });
        }
        return;
      }
      if (this.failures > 0)
        this.o.log.write(
          'reporter',
          `central server reachable again after ${this.failures} failed attempt(s)`,
        );
      this.failures = 0;
      this.queue.shift();
      this.sent++;
    }
  }
}
