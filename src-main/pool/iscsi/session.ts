/**
 * An iSCSI session (RFC 7143 section 4.2): one I_T nexus between an initiator (name + ISID) and
 * a target node, over one or more connections. It owns the command numbering: ExpCmdSN and
 * MaxCmdSN, delivery in CmdSN order (a command arriving early waits for the gap to fill; one
 * outside the window is silently dropped, as the RFC says), and the session-wide task tags.
 */
import type { IscsiNode } from './node';
import type { SessionParams } from './params';
import { snAdd, snLess } from './pdu';

/** Commands the session accepts ahead of completion: MaxCmdSN = ExpCmdSN + free slots - 1. */
export const QUEUE_DEPTH = 128;

export interface SessionConnection {
  readonly cid: number;
  close(reason: string): void;
  /** Aborts the connection's tasks that match (the session's TMFs reach every connection). */
  abortTasks(match: (t: { lun: number; itt: number }) => boolean): Promise<number>;
}

export class Session {
  readonly connections = new Map<number, SessionConnection>();
  expCmdSN: number;
  private maxCmdSN: number;
  private active = 0;
  private readonly waiting = new Map<number, () => void>();
  closed = false;

  constructor(
    readonly tsih: number,
    readonly isid: Buffer,
    readonly initiatorName: string,
    readonly node: IscsiNode | null,
    readonly params: SessionParams,
    firstCmdSN: number,
  ) {
    this.expCmdSN = firstCmdSN >>> 0;
    this.maxCmdSN = snAdd(this.expCmdSN, QUEUE_DEPTH - 1);
  }

  get discovery(): boolean {
    return this.node === null;
  }

  /** ExpCmdSN and MaxCmdSN to put in the next target PDU. MaxCmdSN never moves backwards. */
  window(): { expCmdSN: number; maxCmdSN: number } {
    const free = Math.max(1, QUEUE_DEPTH - this.active);
    const candidate = snAdd(this.expCmdSN, free - 1);
    if (snLess(this.maxCmdSN, candidate)) this.maxCmdSN = candidate;
    return { expCmdSN: this.expCmdSN, maxCmdSN: this.maxCmdSN };
  }

  /**
   * Admits a numbered request. Immediate ones run now without taking a number. Non-immediate
   * ones run in CmdSN order: now if CmdSN == ExpCmdSN (and then any that were waiting behind
   * it), later if inside the window, never if outside it or a duplicate. Returns whether the
   * request was accepted (it will be delivered).
   */
  admit(cmdSN: number, immediate: boolean, deliver: () => void): boolean {
    if (immediate) {
      deliver();
      return true;
    }
    if (cmdSN === this.expCmdSN) {
      this.expCmdSN = snAdd(this.expCmdSN, 1);
      deliver();
      for (let next = this.waiting.get(this.expCmdSN); next; next = this.waiting.get(this.expCmdSN)) {
        this.waiting.delete(this.expCmdSN);
        this.expCmdSN = snAdd(this.expCmdSN, 1);
        next();
      }
      return true;
    }
    const { maxCmdSN } = this.window();
    if (snLess(this.expCmdSN, cmdSN) && !snLess(maxCmdSN, cmdSN) && !this.waiting.has(cmdSN)) {
      this.waiting.set(cmdSN, deliver);
      return true;
    }
    return false;
  }

  taskStarted(): void {
    this.active++;
  }

  taskEnded(): void {
    this.active = Math.max(0, this.active - 1);
  }

  /** Aborts matching tasks on every connection of the session. */
  async abortTasks(match: (t: { lun: number; itt: number }) => boolean): Promise<number> {
    let n = 0;
    for (const c of this.connections.values()) n += await c.abortTasks(match);
    return n;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.clear();
    for (const c of [...this.connections.values()]) c.close(reason);
    this.connections.clear();
  }
}
