/**
 * The storage side of a migration: storage-manager calls that a volume client makes through
 * xprtld to the volume server, retried while the volume server is away (its host crashed and
 * another Dom0 is taking the role over, or a request got no answer): the call is made again on
 * whichever Dom0 holds the role then. A call is never retried for an answer that is final
 * (the volume is owned by someone else, the disk failed), nor once the calling host is down.
 *
 * `handOff` is the bare ownership handoff of one volume (source releases, destination acquires)
 * that the benchmark measures against the in-process flip.
 */

import type { VolumeClient } from '../dom0/volume-client';
import type { VolumeServerRole } from '../dom0/volume-server-role';
import { asXdcError, XdcError } from '../errors';
import type { PoolClock } from '../net/clock';

/** An answer worth asking again: nobody answered, or the volume server is moving. */
export function isTransient(e: XdcError): boolean {
  switch (e.code) {
    case 'ERR_NODE_UNREACHABLE':
    case 'ERR_TIMEOUT':
    case 'ERR_HOST_DOWN':
      return true;
    case 'ERR_CONFLICT':
      return e.message.includes('is not the volume server');
    default:
      return false;
  }
}

export interface SmCallOptions {
  /** The host making the call; a down host never retries. Null: the pool itself (a dead host's cleanup). */
  actingHost: string | null;
  /** Pool time after which a transient failure is final (forward steps); none: until it works (rollback). */
  deadline?: number;
  signal?: AbortSignal;
}

export interface SmRetryDeps {
  clock: PoolClock;
  role: VolumeServerRole;
  hostDown: (hostId: string) => boolean;
  retryMs?: number;
}

export class SmRetry {
  private readonly retryMs: number;
  /** Calls made again after a transient failure (for the job's phase details). */
  retries = 0;

  constructor(private readonly d: SmRetryDeps) {
    this.retryMs = d.retryMs ?? 500;
  }

  async call<T>(what: string, op: () => Promise<T>, o: SmCallOptions): Promise<T> {
    let last: XdcError | null = null;
    for (;;) {
      if (o.actingHost !== null && this.d.hostDown(o.actingHost))
        throw new XdcError('ERR_HOST_DOWN', `${what}: host ${o.actingHost} is down`);
      if (!this.d.role.vacant) {
        try {
          return await op();
        } catch (e) {
          last = asXdcError(e);
          if (!isTransient(last) || (o.actingHost !== null && this.d.hostDown(o.actingHost)))
            throw new XdcError(last.code, `${what}: ${last.message}`);
        }
      }
      if (o.deadline !== undefined && this.d.clock.now() >= o.deadline) {
        const why = last
          ? last.message
          : `the volume server has been unavailable since its host ${this.d.role.hostId} went down`;
        throw new XdcError(last?.code ?? 'ERR_HOST_DOWN', `${what}: gave up after retrying: ${why}`);
      }
      this.retries++;
      await this.d.clock.sleep(this.retryMs, o.signal);
    }
  }

  /** Resolves once a volume server holds the role (at once, usually). */
  async volumeServer(signal?: AbortSignal): Promise<void> {
    while (this.d.role.vacant) await this.d.clock.sleep(this.retryMs, signal);
  }
}

/** One volume changes hands: flush + vdi_deactivate on the source, vdi_attach + vdi_activate on the destination. */
export async function handOff(source: VolumeClient, dest: VolumeClient, vdiId: string): Promise<void> {
  await source.release(vdiId);
  await dest.acquire(vdiId);
}

/** Rejects with the signal's reason as soon as it aborts; the operation itself runs on (its result is ignored). */
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
