/**
 * The emulated applications of a guest: an Exchange storage group or a SQL Server database
 * (from the guest's AppSpec) that writes to its LUNs on the pool clock — a 512-byte log record
 * every 500 ms of pool time, with real WRITE(16) CDBs through the guest's HBA, into a ring in
 * the LAST MiB of each of its LUNs (round robin), so `dcli io` tests below that stay untouched.
 *
 * States: online (writing), offline (no writes), frozen (a VSS writer froze it: records still
 * come due but WAIT in order and are written after thaw). `freeze()` resolves once the write in
 * flight has landed, as a VSS writer's OnFreeze returns only when the app's I/O is quiesced.
 */
import type { AppSpec } from '../lab';
import type { PoolClock, TimerHandle } from '../net/clock';
import { issue } from './agentlets';
import type { GuestLog } from './guest-log';
import { Cdb, type GuestHba } from './scsi-commands';
import type { AppRecord, AppState, LunRecord } from './wire';

export const APP_TICK_MS = 500;
const RING_BYTES = 1024 * 1024;
const RECORD = 512;
/** A frozen app does not queue forever: a real one would block; the lab keeps the newest. */
const MAX_WAITING = 10_000;

interface LogRecord {
  seq: number;
  dueAt: number;
}

export interface AppWorkloadDeps {
  clock: PoolClock;
  hba: GuestHba;
  luns: () => LunRecord[];
  log: GuestLog;
  onStateChange: (app: AppWorkload, from: AppState, to: AppState) => void;
}

export class AppWorkload {
  readonly id: string;
  readonly name: string;
  readonly kind: AppSpec['kind'];
  readonly luns: readonly number[];
  private current: AppState;
  private timer: TimerHandle | null = null;
  private waiting: LogRecord[] = [];
  private writing: Promise<void> | null = null;
  private nextSeq = 1;
  private running = false;
  recordsWritten = 0;
  writeErrors = 0;
  lastError: string | null = null;

  constructor(
    spec: AppSpec,
    private readonly d: AppWorkloadDeps,
  ) {
    this.id = spec.id;
    this.name = spec.name;
    this.kind = spec.kind;
    this.luns = [...spec.luns];
    this.current = spec.online ? 'online' : 'offline';
  }

  get state(): AppState {
    return this.current;
  }

  get queuedRecords(): number {
    return this.waiting.length;
  }

  get kindLabel(): string {
    return this.kind === 'exchange' ? 'Exchange storage group' : 'SQL Server database';
  }

  record(): AppRecord {
    return { id: this.id, name: this.name, kind: this.kind, state: this.current, luns: [...this.luns] };
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.d.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** Writers stop writing: resolves once the record being written (if any) has landed. */
  async freeze(): Promise<void> {
    if (this.current !== 'online') throw new Error(`${this.id} is ${this.current}, not online`);
    this.setState('frozen');
    if (this.writing) await this.writing;
  }

  thaw(): void {
    if (this.current !== 'frozen') return;
    this.setState('online');
    this.pump();
  }

  takeOffline(): void {
    if (this.current === 'offline') return;
    this.setState('offline');
    this.waiting = [];
  }

  bringOnline(): void {
    if (this.current === 'online') return;
    this.setState('online');
    this.pump();
  }

  /** Waits until no record is in flight (a restore must not race the last write). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private setState(to: AppState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.d.log.write(
      this.kind === 'exchange' ? 'MSExchangeIS' : 'MSSQLSERVER',
      `${this.id}: ${from} -> ${to}`,
    );
    this.d.onStateChange(this, from, to);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.d.clock.setTimer(APP_TICK_MS, () => {
      this.timer = null;
      if (this.current !== 'offline') {
        this.waiting.push({ seq: this.nextSeq++, dueAt: this.d.clock.now() });
        if (this.waiting.length > MAX_WAITING) this.waiting.splice(0, this.waiting.length - MAX_WAITING);
        this.pump();
      }
      this.schedule();
    });
  }

  private pump(): void {
    if (this.writing || this.current !== 'online' || this.waiting.length === 0) return;
    this.writing = (async () => {
      while (this.current === 'online' && this.waiting.length > 0 && this.running) {
        const rec = this.waiting.shift()!;
        await this.writeRecord(rec);
      }
    })().finally(() => {
      this.writing = null;
    });
  }

  private async writeRecord(rec: LogRecord): Promise<void> {
    if (this.luns.length === 0) return;
    const lunNo = this.luns[rec.seq % this.luns.length]!;
    const lun = this.d.luns().find((l) => l.lun === lunNo);
    if (!lun || lun.sizeBytes < RING_BYTES * 2) {
      this.fail(`LUN ${lunNo} is not available for ${this.id}'s log`);
      return;
    }
    const ringBlocks = RING_BYTES / lun.blockSize;
    const ringStart = lun.sizeBytes / lun.blockSize - ringBlocks;
    const lba = ringStart + (((rec.seq * RECORD) / lun.blockSize) % ringBlocks);
    const data = Buffer.alloc(Math.max(RECORD, lun.blockSize));
    data.write(
      `XDCLOG ${this.kind} ${this.id} seq=${rec.seq} due=${rec.dueAt} written=${this.d.clock.now()}\n`,
      'latin1',
    );
    try {
      await issue(this.d.hba, lunNo, 'WRITE(16)', Cdb.write16(lba, data.length / lun.blockSize), data);
      this.recordsWritten++;
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  private fail(why: string): void {
    this.writeErrors++;
    if (this.lastError !== why) this.d.log.write(this.id, `log write failed: ${why}`);
    this.lastError = why;
  }
}
