/**
 * One live migration, run phase by phase on the pool clock, and what happens when a fault hits.
 *
 *   attach         the destination's volume client prepares every VDI (vdi_attach), early
 *   precopy        memory rounds from the model, on the wire between the two Dom0s
 *   stop-and-copy  the guest pauses: its block rings hold new I/O, in-flight I/O drains; the
 *                  remainder of dirty memory and the CPU state are sent
 *   release        the source's volume client flushes and gives each VDI up (vdi_deactivate)
 *   acquire        the destination's volume client takes each VDI (vdi_activate)
 *                  -> COMMIT POINT: the destination owns every volume; the guest now belongs to it
 *   resume         the guest runs on the destination: rings reconnect there, held I/O completes
 *   detach         the source's volume client detaches each VDI (vdi_detach)
 *   report         the guest's XDC Reporter tells the central server
 *
 * A fault before the commit point rolls back: volumes go back to the source (or stay with it,
 * if it crashed: the guest then crashed with it), held I/O completes on the source, the
 * destination's attachments are undone. A fault after it rolls forward: the guest belongs to
 * the destination (if the destination crashed, the guest crashed with it). Either way each
 * volume ends with one owner and the job says which phase failed and what was undone.
 */
import type { Dom0 } from '../dom0/dom0';
import { asXdcError, XdcError } from '../errors';
import type { GuestVm } from '../guest-vm';
import type { Pool } from '../pool';
import { lunVisibilityProblem } from './checks';
import { SmRetry, unlessAborted } from './handoff';
import type { HistoryEvent, MigrationHistory } from './history';
import type { MigrationRecord, PhaseName } from './job';
import type { PrecopyPlan } from './precopy';
import { type MemoryReceiver, MemoryStream } from './stream';

export interface MigrationTiming {
  /** Pausing the domain and saving its device and CPU state (part of the downtime). */
  suspendMs: number;
  /** Unpausing on the destination, reconnecting devices, the gratuitous ARP (part of the downtime). */
  resumeMs: number;
  /** How long a forward storage step keeps retrying while the volume server is away. */
  forwardRetryMs: number;
}

/** Clark et al. (NSDI 2005) measured tens of ms of fixed suspend/resume cost on top of the last copy. */
export const DEFAULT_TIMING: MigrationTiming = { suspendMs: 8, resumeMs: 14, forwardRetryMs: 15_000 };

export interface RunDeps {
  pool: Pool;
  history: MigrationHistory;
  receiver: MemoryReceiver;
  /** Aborted when the lab closes: the job stops where it is (the next open records it as interrupted). */
  closing: AbortSignal;
  timing: MigrationTiming;
}

const MB = 1_000_000;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const ms = (n: number) => `${Math.round(n * 10) / 10} ms`;

export class MigrationRun {
  /** Aborted when the source (before the commit point) or the destination goes down. */
  private readonly interrupt = new AbortController();
  private readonly retry: SmRetry;
  private readonly stream: MemoryStream;
  private readonly vdis: string[];
  private committed = false;
  private resumed = false;
  private pausedAt: number | null = null;
  private heldAtResume = 0;
  private readonly attached = new Set<string>();
  private closed = false;
  private ended: HistoryEvent | null = null;
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly d: RunDeps,
    readonly rec: MigrationRecord,
    private readonly vm: GuestVm,
    private readonly plan: PrecopyPlan,
  ) {
    const pool = d.pool;
    this.retry = new SmRetry({ clock: pool.clock, role: pool.role, hostDown: (h) => pool.hostDown(h) });
    this.stream = new MemoryStream({ clock: pool.clock, fabric: pool.fabric }, rec.id, this.source, rec.to);
    this.vdis = vm.vbds.map((v) => v.vdiId);
  }

  /**
   * Starts the phases. Separate from the constructor so the orchestrator has registered the run
   * before its first event goes out (a fault injected from that event must reach this run).
   */
  start(): Promise<void> {
    this.d.closing.addEventListener('abort', () => this.close(), { once: true });
    this.done = this.run();
    return this.done;
  }

  get isCommitted(): boolean {
    return this.committed;
  }

  private get pool(): Pool {
    return this.d.pool;
  }

  private get source(): Dom0 {
    return this.d.pool.dom0(this.rec.from);
  }

  private get dest(): Dom0 {
    return this.d.pool.dom0(this.rec.to);
  }

  private now(): number {
    return this.pool.clock.now();
  }

  /** A host went down: the job stops what it is doing if the host is one it depends on. */
  hostDown(hostId: string): void {
    // Once the guest runs on the destination, the migration is done: a crash after that is the
    // pool's business (the guest crashes with its host), not a failed migration.
    const matters =
      !this.resumed && (hostId === this.rec.to || (hostId === this.rec.from && !this.committed));
    if (matters && !this.interrupt.signal.aborted)
      this.interrupt.abort(new XdcError('ERR_HOST_DOWN', `host ${hostId} crashed`));
  }

  private close(): void {
    this.closed = true;
    if (!this.interrupt.signal.aborted)
      this.interrupt.abort(new XdcError('ERR_INTERRUPTED', 'the lab closed'));
  }

  // ------------------------------------------------------------------ the forward path

  private async run(): Promise<void> {
    try {
      await this.phase('attach', () => this.attach());
      await this.phase('precopy', () => this.precopy());
      await this.phase('stop-and-copy', () => this.stopAndCopy());
      await this.phase('release', () => this.release());
      await this.phase('acquire', () => this.acquire());
      await this.phase('resume', () => this.resume());
      await this.phase('detach', () => this.detachSource());
      await this.phase('report', () => this.report());
      this.finish('succeeded');
    } catch (e) {
      if (this.closed) return;
      await this.recover(asXdcError(e));
    } finally {
      this.d.receiver.forget(this.rec.id);
    }
  }

  /**
   * Runs one phase: its start and end are events (with pool times) and history rows. A phase's
   * end is written with the next phase's start, in one transaction: one durable commit per
   * phase boundary instead of two.
   */
  private async phase(name: PhaseName, body: () => Promise<string>): Promise<void> {
    const started = this.now();
    this.rec.begin(name, started);
    this.d.history.update(this.rec, ...this.takeEnded(), {
      kind: 'migration.phase',
      message: `${this.rec.guestId} ${this.rec.from} -> ${this.rec.to}: ${name} started`,
      data: { phase: name, state: 'started', at: started },
    });
    // A fault injected as the phase starts (tests do it from the event above) is seen before any step.
    if (this.interrupt.signal.aborted) throw this.interrupt.signal.reason;
    const detail = await body();
    if (this.closed) throw new XdcError('ERR_INTERRUPTED', 'the lab closed');
    const ended = this.now();
    this.rec.end(ended, detail);
    this.ended = {
      kind: 'migration.phase',
      message: `${this.rec.guestId} ${this.rec.from} -> ${this.rec.to}: ${name} took ${ms(ended - started)}: ${detail}`,
      data: { phase: name, state: 'ended', startedAt: started, endedAt: ended, ms: ended - started },
    };
  }

  /** The end event of the phase that just finished, not yet written. */
  private takeEnded(): HistoryEvent[] {
    const e = this.ended;
    this.ended = null;
    return e ? [e] : [];
  }

  /** A forward storage step: retried while the volume server is away, for a bounded time. */
  private sm<T>(what: string, actingHost: string, op: () => Promise<T>): Promise<T> {
    const o = {
      actingHost,
      deadline: this.now() + this.d.timing.forwardRetryMs,
      signal: this.interrupt.signal,
    };
    return unlessAborted(this.retry.call(what, op, o), this.interrupt.signal);
  }

  private async attach(): Promise<string> {
    for (const v of this.vdis) {
      await this.sm(`${this.rec.to} could not attach ${v} (vdi_attach)`, this.rec.to, () =>
        this.dest.volumeClient.prepare(v),
      );
      this.attached.add(v);
    }
    return `${this.rec.to} attached ${this.vdis.join(', ')} (vdi_attach) ahead of the handoff`;
  }

  private async precopy(): Promise<string> {
    const { receiver } = this.d;
    receiver.expect(this.rec.id, this.rec.guestId, this.rec.from, this.rec.to);
    let sent = 0;
    const total = this.plan.precopyBytes || 1;
    for (const r of this.plan.rounds) {
      await this.stream.transmit(
        r.durationMs,
        `pre-copy round ${r.round}`,
        (f) => {
          this.rec.bytesSent = sent + r.bytes * f;
          this.rec.within((sent + r.bytes * f) / total);
        },
        this.interrupt.signal,
      );
      await unlessAborted(this.stream.acknowledge(r.round, r.bytes), this.interrupt.signal);
      sent += r.bytes;
      this.rec.bytesSent = sent;
      this.rec.rounds = r.round;
      this.d.history.update(this.rec, {
        kind: 'migration.round',
        message: `${this.rec.guestId}: pre-copy round ${r.round} sent ${mb(r.bytes)} in ${ms(r.durationMs)}`,
        data: { phase: 'precopy', round: r.round, bytes: r.bytes, ms: r.durationMs },
      });
    }
    return `${this.plan.rounds.length} round(s), ${mb(sent)} sent; ${this.plan.explanation}`;
  }

  private async stopAndCopy(): Promise<string> {
    this.vm.state = 'migrating';
    this.pausedAt = this.now();
    for (const v of this.vm.vbds) v.ring.pause();
    await unlessAborted(Promise.all(this.vm.vbds.map((v) => v.ring.drain())), this.interrupt.signal);
    await this.pool.clock.sleep(this.d.timing.suspendMs, this.interrupt.signal);
    await this.stream.transmit(
      this.plan.stopCopyMs,
      'stop-and-copy',
      (f) => this.rec.within(f),
      this.interrupt.signal,
    );
    const ack = await unlessAborted(
      this.stream.acknowledge('final', this.plan.remainderBytes),
      this.interrupt.signal,
    );
    this.rec.bytesSent += this.plan.remainderBytes;
    const held = this.heldRequests();
    return `guest paused (${held} I/O request(s) held, none failed); ${mb(this.plan.remainderBytes)} of dirty memory and the CPU state sent in ${ms(
      this.d.timing.suspendMs + this.plan.stopCopyMs,
    )}; ${this.rec.to} holds ${mb(ack.receivedBytes)}`;
  }

  private async release(): Promise<string> {
    for (const v of this.vdis)
      await this.sm(`${this.rec.from} could not release ${v} (flush + vdi_deactivate)`, this.rec.from, () =>
        this.source.volumeClient.release(v),
      );
    return `${this.rec.from} flushed and released ${this.vdis.join(', ')} (vdi_deactivate)${this.retryNote()}`;
  }

  private async acquire(): Promise<string> {
    // The disks may have failed since the checks: the destination must see every LUN it takes.
    const unseen = await this.sm(`checking that ${this.rec.to} sees every LUN`, this.rec.to, async () =>
      lunVisibilityProblem(this.pool, this.vm, this.rec.to),
    );
    if (unseen) throw new XdcError('ERR_IO', unseen);
    for (const v of this.vdis)
      await this.sm(`${this.rec.to} could not acquire ${v} (vdi_activate)`, this.rec.to, () =>
        this.dest.volumeClient.acquire(v),
      );
    this.commit();
    return `${this.rec.to} owns ${this.vdis.join(', ')} (host_${this.rec.to}=RW); committed: ${this.rec.guestId} now belongs to ${this.rec.to}${this.retryNote()}`;
  }

  /**
   * The commit point, in one synchronous step (no fault can land half way): the guest's
   * placement, its xprtld node's host in the fabric, and lab.json all name the destination.
   */
  private commit(): void {
    this.committed = true;
    this.vm.placeOn(this.dest);
    this.pool.persistSpec();
  }

  private async resume(): Promise<string> {
    await this.pool.clock.sleep(this.d.timing.resumeMs, this.interrupt.signal);
    this.heldAtResume = this.heldRequests();
    for (const v of this.vm.vbds) v.ring.reconnect(this.dest.volumeClient);
    this.vm.state = 'running';
    this.resumed = true;
    this.rec.downtimeMs = this.now() - (this.pausedAt ?? this.now());
    return `${this.rec.guestId} runs on ${this.rec.to}; ${this.heldAtResume} held I/O request(s) completed there; downtime ${ms(this.rec.downtimeMs)}`;
  }

  private async detachSource(): Promise<string> {
    const notes = await this.detachAll(this.rec.from, this.vdis, {
      deadline: this.now() + this.d.timing.forwardRetryMs,
    });
    return notes;
  }

  private async report(): Promise<string> {
    if (this.vm.state !== 'running') return `skipped: ${this.rec.guestId} is ${this.vm.state}`;
    const reporter = this.vm.managed.reporter;
    reporter.push(
      'guest.migrated',
      this.rec.guestId,
      `${this.rec.guestId} now runs on ${this.rec.to} (live migration ${this.rec.id} from ${this.rec.from}, downtime ${ms(this.rec.downtimeMs ?? 0)})`,
      { jobId: this.rec.id, from: this.rec.from, to: this.rec.to, downtimeMs: this.rec.downtimeMs },
    );
    try {
      await unlessAborted(reporter.flush(), this.interrupt.signal);
    } catch (e) {
      return `the report was not acknowledged: ${asXdcError(e).message}; ${this.rec.guestId} is ${this.vm.state}`;
    }
    return reporter.pending === 0
      ? `${this.rec.guestId}'s XDC Reporter told the central server`
      : `the central server did not answer ${this.rec.guestId}'s XDC Reporter; the report stays queued and is retried`;
  }

  // ------------------------------------------------------------------ faults

  /** Rolls back (before the commit point) or forward (after it), then records the failure. */
  private async recover(err: XdcError): Promise<void> {
    const failed = this.rec.phase;
    const at = this.now();
    this.rec.end(at, `failed: ${err.message}`);
    this.rec.error = { code: err.code, message: `${failed} failed: ${err.message}` };
    const how = this.committed ? 'roll-forward' : 'rollback';
    this.rec.begin(how, at);
    this.d.history.update(this.rec, ...this.takeEnded(), {
      kind: 'migration.phase',
      message: `${this.rec.guestId} ${this.rec.from} -> ${this.rec.to}: ${failed} failed (${err.message}); ${how}`,
      data: { phase: how, state: 'started', failedPhase: failed, at },
    });
    const lines: string[] = [];
    try {
      if (this.committed) await this.rollForward(lines);
      else await this.rollBack(lines);
    } catch (e) {
      if (this.closed) return;
      lines.push(`the ${how} could not finish: ${asXdcError(e).message}`);
    }
    if (this.closed) return;
    this.rec.rolledBack = lines;
    this.rec.end(this.now(), lines.join('; '));
    this.rec.phase = failed;
    this.finish('failed');
  }

  private async rollBack(lines: string[]): Promise<void> {
    const { from, to, guestId } = this.rec;
    await this.retry.volumeServer(this.d.closing);
    // Volumes first: the guest may only resume where its volumes are owned.
    for (const v of this.vdis) await this.settleOnSource(v, lines);
    const sourceUp = !this.pool.hostDown(from);
    if (this.pausedAt !== null) {
      const held = this.heldRequests();
      for (const r of this.vm.vbds) r.ring.resume();
      this.rec.downtimeMs = this.now() - this.pausedAt;
      lines.push(
        sourceUp
          ? `${guestId} resumed on ${from}; ${held} held I/O request(s) completed there`
          : `${held} held I/O request(s) of ${guestId} were never acknowledged: the guest crashed with ${from}`,
      );
    }
    if (sourceUp) {
      if (this.vm.state === 'migrating') this.vm.state = 'running';
      if (this.pausedAt === null) lines.push(`${guestId} kept running on ${from}`);
    } else {
      lines.push(`${guestId} crashed with ${from}; it restarts there when ${from} is restored`);
    }
    if (this.attached.size) {
      const note = await this.detachAll(to, [...this.attached], {});
      lines.push(note);
    }
  }

  /**
   * Puts one volume back with the source: whatever the destination took it gives back (a dead
   * destination's tag is cleared by the volume server), then the source takes back what it
   * released. If the source itself is down, the volume stays with it (or with nobody) until
   * the guest restarts there.
   */
  private async settleOnSource(v: string, lines: string[]): Promise<void> {
    const { from } = this.rec;
    const o = { signal: this.d.closing };
    for (let attempt = 0; attempt < 8; attempt++) {
      await this.retry.volumeServer(this.d.closing);
      const owner = this.pool.ownerOf(v);
      if (owner !== null && owner !== from) {
        if (this.pool.hostDown(owner)) {
          await this.retry.call(
            `clearing dead ${owner}'s claim on ${v}`,
            () => this.pool.role.server.vdiForgetOwner(v, owner),
            {
              ...o,
              actingHost: null,
            },
          );
          lines.push(`the volume server cleared the tag of ${owner} (down) on ${v}`);
        } else {
          try {
            await this.retry.call(
              `${owner} giving ${v} back`,
              () => this.pool.dom0(owner).volumeClient.release(v),
              { ...o, actingHost: owner },
            );
            lines.push(`${owner} gave ${v} back (vdi_deactivate)`);
          } catch (e) {
            if (!this.pool.hostDown(owner)) throw e;
          }
        }
        continue;
      }
      if (this.pool.hostDown(from)) return;
      if (owner === from && this.source.volumeClient.owns(v)) return;
      try {
        await this.retry.call(`${from} taking ${v} back`, () => this.source.volumeClient.acquire(v), {
          ...o,
          actingHost: from,
        });
        lines.push(`${from} took ${v} back (vdi_activate)`);
      } catch (e) {
        if (!this.pool.hostDown(from)) throw e;
      }
    }
    throw new XdcError('ERR_CONFLICT', `${v} kept changing hands while the migration rolled back`);
  }

  /** After the commit point only the destination can have failed: the guest is its, crashed or not. */
  private async rollForward(lines: string[]): Promise<void> {
    const { from, to, guestId } = this.rec;
    lines.push(`past the commit point: ${guestId} belongs to ${to}, which owns ${this.vdis.join(', ')}`);
    if (this.vm.vbds.some((v) => v.ring.isPaused)) {
      // The block rings follow the guest to its new host whatever happened to that host.
      const held = this.heldRequests();
      for (const r of this.vm.vbds) r.ring.reconnect(this.dest.volumeClient);
      this.rec.downtimeMs = this.now() - (this.pausedAt ?? this.now());
      if (this.pool.hostDown(to)) {
        lines.push(`${held} held I/O request(s) were never acknowledged: ${guestId} crashed with ${to}`);
      } else {
        if (this.vm.state === 'migrating') this.vm.state = 'running';
        lines.push(`${guestId} resumed on ${to}; ${held} held I/O request(s) completed there`);
      }
    }
    if (this.pool.hostDown(to)) {
      // The pool crashed the guest with its host at the fault (it was already placed there).
      if (this.vm.state !== 'crashed') this.vm.crash();
      lines.push(`${guestId} crashed with ${to}; it restarts there when ${to} is restored`);
    }
    lines.push(
      await this.detachAll(from, this.vdis, { deadline: this.now() + this.d.timing.forwardRetryMs }),
    );
  }

  /**
   * Undoes a host's attachments (vdi_detach). A host that is up and can reach the volume server
   * does it itself; for a host that cannot (down, cut off), the volume server drops the
   * attachment on its behalf (an attachment is not ownership: nothing it holds is lost).
   */
  private async detachAll(hostId: string, vdis: string[], o: { deadline?: number }): Promise<string> {
    const self: string[] = [];
    const byServer: string[] = [];
    const left: string[] = [];
    for (const v of vdis) {
      try {
        await this.retry.volumeServer(this.d.closing);
        if (this.pool.ownerOf(v) === hostId) {
          left.push(`${v} (still owned there)`);
          continue;
        }
        if (!this.pool.hostDown(hostId) && this.pool.fabric.reachable(hostId, this.pool.role.hostId)) {
          await this.retry.call(
            `${hostId} detaching ${v}`,
            () => this.pool.dom0(hostId).volumeClient.detach(v),
            {
              actingHost: hostId,
              deadline: o.deadline ?? this.now() + this.d.timing.forwardRetryMs,
              signal: this.d.closing,
            },
          );
          self.push(v);
        } else {
          await this.retry.call(
            `detaching ${v} from ${hostId}`,
            () => this.pool.role.server.vdiDetach(v, hostId),
            {
              actingHost: null,
              deadline: o.deadline,
              signal: this.d.closing,
            },
          );
          byServer.push(v);
        }
      } catch (e) {
        if (this.closed) throw e;
        left.push(`${v} (${asXdcError(e).message})`);
      }
    }
    const parts: string[] = [];
    if (self.length) parts.push(`${hostId} detached ${self.join(', ')} (vdi_detach)`);
    if (byServer.length)
      parts.push(
        `the volume server detached ${byServer.join(', ')} from ${hostId} (${this.pool.hostDown(hostId) ? 'down' : 'unreachable'})`,
      );
    if (left.length) parts.push(`left attached on ${hostId}: ${left.join(', ')}`);
    return parts.join('; ') || `nothing attached on ${hostId}`;
  }

  // ------------------------------------------------------------------ helpers

  private heldRequests(): number {
    return this.vm.vbds.reduce((n, v) => n + v.ring.heldRequests, 0);
  }

  private retryNote(): string {
    return this.retry.retries
      ? ` (after ${this.retry.retries} retried storage call(s) while the volume server was away)`
      : '';
  }

  private finish(state: 'succeeded' | 'failed'): void {
    if (this.closed) return;
    this.rec.finish(state, this.now());
    const { guestId, from, to, id } = this.rec;
    const message =
      state === 'succeeded'
        ? `${guestId} migrated live from ${from} to ${to} in ${ms(this.rec.totalMs ?? 0)}: ${this.rec.rounds} pre-copy round(s), ${mb(this.rec.bytesSent)} sent, downtime ${ms(this.rec.downtimeMs ?? 0)}`
        : `migration ${id} of ${guestId} (${from} -> ${to}) failed: ${this.rec.error?.message ?? 'unknown'}; ${this.rec.rolledBack.join('; ')}`;
    this.d.history.update(this.rec, ...this.takeEnded(), {
      kind: state === 'succeeded' ? 'migration.succeeded' : 'migration.failed',
      message,
      data: { phase: this.rec.phase, state, totalMs: this.rec.totalMs, downtimeMs: this.rec.downtimeMs },
    });
  }
}
