/**
 * The pool network: which nodes exist (central server, Dom0s, guests), where each guest runs,
 * which nodes are down or cut off, and the one way parts talk — a real HTTP request from one
 * node's credentials to another node's xprtld.
 *
 * A node that is down or partitioned does not answer: its xprtld holds the request (the gate
 * the fabric installs refuses it), and the caller gives up after its timeout on the POOL clock
 * with ERR_NODE_UNREACHABLE naming the node. The caller's abort closes the held request, so
 * nothing leaks.
 *
 * Reachability: a node is up unless it was set down or it is a guest whose host is down. A
 * partitioned host takes its guests with it onto an island of their own (they still reach each
 * other); a partitioned guest is alone. Two nodes reach each other when both are up and on the
 * same island.
 */
import { Agent, request } from 'node:http';
import { asXdcError, XdcError } from '../errors';
import type { PoolClock, TimerHandle } from './clock';
import { errorFromResponse } from './http-json';
import type { HttpMethod, Xprtld } from './xprtld';

export type NodeKind = 'central' | 'dom0' | 'guest';

export interface NodeInfo {
  id: string;
  kind: NodeKind;
  /** For guests: the Dom0 (host) it runs on; null for hosts. The central server is a guest too. */
  hostId: string | null;
  port: number;
}

/** Who is calling: the node's id and its current VRTSat token (a getter may refresh it). */
export interface NodeCredentials {
  readonly nodeId: string;
  readonly token: string;
}

export interface CallOptions {
  /** Pool milliseconds before the caller gives up. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FabricOptions {
  clock: PoolClock;
  defaultTimeoutMs?: number;
  /** See quiesce(): wall ms without any request progress after which the rest count as waiting on pool time. */
  quiesceIdleWallMs?: number;
}

interface NodeEntry {
  info: NodeInfo;
  xprtld: Xprtld;
  down: boolean;
  partitioned: boolean;
}

interface InFlight {
  held: boolean;
}

export type NodeStatus = 'up' | 'down' | 'partitioned';

export class Fabric {
  private readonly clock: PoolClock;
  private readonly defaultTimeoutMs: number;
  private readonly idleWallMs: number;
  private readonly nodesById = new Map<string, NodeEntry>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 });
  private nextCall = 1;
  private progressWaiters: Array<() => void> = [];

  constructor(opts: FabricOptions) {
    this.clock = opts.clock;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 5000;
    this.idleWallMs = opts.quiesceIdleWallMs ?? 250;
  }

  /** Adds a node whose xprtld is already started; installs the reachability gate on it. */
  register(node: { id: string; kind: NodeKind; hostId?: string | null; xprtld: Xprtld }): NodeInfo {
    if (this.nodesById.has(node.id))
      throw new XdcError('ERR_CONFLICT', `node ${node.id} is already on the pool network`);
    if (!node.xprtld.listening) throw new XdcError('ERR_INTERNAL', `xprtld of ${node.id} is not started`);
    const hostId = node.kind === 'dom0' ? null : (node.hostId ?? null);
    if (node.kind !== 'dom0' && hostId === null)
      throw new XdcError('ERR_VALIDATION', `${node.kind} ${node.id} needs the host it runs on`);
    const info: NodeInfo = { id: node.id, kind: node.kind, hostId, port: node.xprtld.port };
    const id = node.id;
    node.xprtld.gate = {
      admit: (from) => this.admits(from, id),
      held: (callId) => this.markHeld(callId),
    };
    this.nodesById.set(id, { info, xprtld: node.xprtld, down: false, partitioned: false });
    return { ...info };
  }

  unregister(id: string): void {
    const e = this.nodesById.get(id);
    if (!e) return;
    e.xprtld.gate = null;
    this.nodesById.delete(id);
  }

  node(id: string): NodeInfo {
    return { ...this.entry(id).info };
  }

  nodes(): NodeInfo[] {
    return [...this.nodesById.values()].map((e) => ({ ...e.info }));
  }

  /** A guest now runs on another host (migration): it shares that host's fate from now on. */
  moveGuest(guestId: string, hostId: string): void {
    const g = this.entry(guestId);
    if (g.info.kind === 'dom0') throw new XdcError('ERR_VALIDATION', `${guestId} is a host, not a guest`);
    if (this.entry(hostId).info.kind !== 'dom0')
      throw new XdcError('ERR_VALIDATION', `${hostId} is not a host`);
    g.info.hostId = hostId;
  }

  /** A node (a host: with its guests) stops answering, or answers again. */
  setDown(id: string, down: boolean): void {
    this.entry(id).down = down;
  }

  /** Cuts the node (a host: with its guests) off from every other node. */
  partition(id: string): void {
    this.entry(id).partitioned = true;
  }

  heal(id: string): void {
    this.entry(id).partitioned = false;
  }

  status(id: string): NodeStatus {
    if (!this.isUp(id)) return 'down';
    return this.island(id) === MAIN ? 'up' : 'partitioned';
  }

  /** Would a request from `from` to `to` be answered now? */
  reachable(from: string, to: string): boolean {
    if (!this.isUp(from) || !this.isUp(to)) return false;
    return this.island(from) === this.island(to);
  }

  /**
   * A real HTTP request from `from` to `to`'s xprtld. Resolves to the parsed JSON answer;
   * rejects with the XdcError the node answered, or ERR_NODE_UNREACHABLE after `timeoutMs`
   * of pool time when nobody answers.
   */
  call<T = unknown>(
    from: NodeCredentials,
    to: string,
    method: HttpMethod,
    path: string,
    body?: unknown,
    opts: CallOptions = {},
  ): Promise<T> {
    const target = this.nodesById.get(to);
    if (!target)
      return Promise.reject(new XdcError('ERR_NOT_FOUND', `node ${to} is not on the pool network`));
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const callId = String(this.nextCall++);
    let payload: string | undefined;
    let token: string;
    try {
      // Read once, before anything is registered: a session that fails to renew must not leak a timer.
      token = from.token;
      payload = body === undefined ? undefined : JSON.stringify(body);
    } catch (e) {
      return Promise.reject(asXdcError(e));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: TimerHandle | null = null;
      const aborter = new AbortController();
      const finish = (err: XdcError | null, value?: T) => {
        if (settled) return;
        settled = true;
        if (timer) this.clock.clearTimer(timer);
        opts.signal?.removeEventListener('abort', onCallerAbort);
        this.inFlight.delete(callId);
        this.progress();
        if (err) reject(err);
        else resolve(value as T);
      };
      const onCallerAbort = () => {
        aborter.abort();
        finish(new XdcError('ERR_TIMEOUT', `call ${method} ${path} to ${to} was cancelled`));
      };
      if (opts.signal?.aborted) {
        finish(new XdcError('ERR_TIMEOUT', `call ${method} ${path} to ${to} was cancelled`));
        return;
      }
      opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
      this.inFlight.set(callId, { held: false });
      timer = this.clock.setTimer(timeoutMs, () => {
        timer = null;
        const err = this.unreachableError(from.nodeId, to, timeoutMs);
        aborter.abort();
        finish(err);
      });
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'x-xdc-from': from.nodeId,
        'x-xdc-call': callId,
        accept: 'application/json',
      };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = request(
        {
          host: '127.0.0.1',
          port: target.info.port,
          method,
          path,
          headers,
          agent: this.agent,
          signal: aborter.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', () => undefined);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = null;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : null;
            } catch {
              finish(
                new XdcError('ERR_INTERNAL', `${to} answered ${method} ${path} with a body that is not JSON`),
              );
              return;
            }
            const status = res.statusCode ?? 500;
            if (status >= 200 && status < 300) finish(null, parsed as T);
            else finish(errorFromResponse(status, parsed, `${method} ${path} on ${to}`));
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        const why = e.code === 'ECONNREFUSED' ? 'its xprtld is not listening' : e.message;
        finish(
          new XdcError(
            'ERR_NODE_UNREACHABLE',
            `${kindName(target.info.kind)} ${to} could not be reached (${why})`,
            { nodeId: to },
          ),
        );
      });
      req.end(payload);
    });
  }

  /**
   * Resolves when no request that can be answered is still in flight: every outstanding call
   * is either held by an unreachable node (it waits on the pool clock) or done. Tests plug it
   * into VirtualClock.quiesce so pool time moves only when real I/O is finished. A handler that
   * itself waits on pool time would never finish while the clock is stopped, so after
   * `quiesceIdleWallMs` of wall time without any request starting or ending it resolves anyway.
   */
  async quiesce(): Promise<void> {
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.answerableInFlight() === 0) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.answerableInFlight() === 0) return;
        continue;
      }
      const progressed = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          this.progressWaiters = this.progressWaiters.filter((w) => w !== wake);
          resolve(false);
        }, this.idleWallMs);
        const wake = () => {
          clearTimeout(t);
          resolve(true);
        };
        this.progressWaiters.push(wake);
      });
      if (!progressed) return;
    }
  }

  /** Answerable requests in flight now (not held by an unreachable node). */
  answerableInFlight(): number {
    let n = 0;
    for (const c of this.inFlight.values()) if (!c.held) n++;
    return n;
  }

  /** Closes pooled keep-alive sockets. Nodes' xprtlds are stopped by their owners. */
  close(): void {
    this.agent.destroy();
  }

  private entry(id: string): NodeEntry {
    const e = this.nodesById.get(id);
    if (!e) throw new XdcError('ERR_NOT_FOUND', `node ${id} is not on the pool network`);
    return e;
  }

  private admits(from: string | null, to: string): boolean {
    if (!this.isUp(to)) return false;
    // Clients outside the pool (the app's own API client) are not subject to pool partitions.
    if (from === null || !this.nodesById.has(from)) return true;
    return this.reachable(from, to);
  }

  private isUp(id: string): boolean {
    const e = this.nodesById.get(id);
    if (!e || e.down) return false;
    if (e.info.hostId !== null) {
      const host = this.nodesById.get(e.info.hostId);
      if (!host || host.down) return false;
    }
    return true;
  }

  private island(id: string): string {
    const e = this.nodesById.get(id);
    if (!e) return MAIN;
    if (e.partitioned) return `island:${id}`;
    if (e.info.hostId !== null && this.nodesById.get(e.info.hostId)?.partitioned)
      return `island:${e.info.hostId}`;
    return MAIN;
  }

  private markHeld(callId: string): void {
    const c = this.inFlight.get(callId);
    if (c) c.held = true;
    this.progress();
  }

  private progress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const w of waiters) w();
  }

  private unreachableError(from: string, to: string, timeoutMs: number): XdcError {
    const target = this.nodesById.get(to);
    const kind = target ? kindName(target.info.kind) : 'node';
    let reason: string;
    if (!this.isUp(to)) reason = target?.down ? 'down' : `its host ${target?.info.hostId} is down`;
    else if (!this.isUp(from)) reason = `the caller ${from} is down`;
    else if (this.island(to) !== MAIN) reason = 'partitioned';
    else if (this.island(from) !== MAIN) reason = `the caller ${from} is partitioned`;
    else reason = 'no answer';
    return new XdcError(
      'ERR_NODE_UNREACHABLE',
      `${kind} ${to} did not answer within ${formatPoolMs(timeoutMs)} (${reason})`,
      {
        nodeId: to,
        from,
        timeoutMs,
        reason,
      },
    );
  }
}

const MAIN = 'main';

function kindName(kind: NodeKind): string {
  return kind === 'dom0' ? 'host' : kind === 'central' ? 'central server' : 'guest';
}

/** `5 s`, `1.5 s`, `250 ms`: how a person reads a timeout. */
export function formatPoolMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`;
}
