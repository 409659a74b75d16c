/**
 * The memory stream of a live migration, from the source Dom0 to the destination Dom0.
 *
 * The bytes themselves are the pre-copy model's (a guest's gigabytes are not copied in the lab),
 * but the stream is real where it matters for faults: time on the wire passes on the pool clock
 * in short slices, and a slice that finds the two Dom0s unable to reach each other breaks the
 * stream (as a TCP connection would time out); at the end of each round the source's xprtld
 * tells the destination's receiver what it sent, a real HTTP request that a crashed or cut-off
 * destination does not answer.
 */
import { z } from 'zod';
import type { Dom0 } from '../dom0/dom0';
import { XdcError } from '../errors';
import type { PoolClock } from '../net/clock';
import type { Fabric } from '../net/fabric';

export const STREAM_ROUTE = '/xdc/v1/migration/stream';
/** Pool ms between two checks that the stream still flows. */
export const STREAM_SLICE_MS = 250;
/** Pool ms the source waits for the destination to acknowledge a round. */
export const STREAM_ACK_TIMEOUT_MS = 2000;

const RoundBody = z.object({
  jobId: z.string().min(1).max(128),
  round: z.union([z.number().int().min(1).max(1000), z.literal('final')]),
  bytes: z.number().min(0),
});
export type RoundMessage = z.infer<typeof RoundBody>;

interface Incoming {
  guestId: string;
  from: string;
  to: string;
  bytes: number;
  rounds: number;
  complete: boolean;
}

/** The receiving end on every Dom0: which incoming migrations it expects and what arrived. */
export class MemoryReceiver {
  private readonly incoming = new Map<string, Incoming>();

  expect(jobId: string, guestId: string, from: string, to: string): void {
    this.incoming.set(jobId, { guestId, from, to, bytes: 0, rounds: 0, complete: false });
  }

  forget(jobId: string): void {
    this.incoming.delete(jobId);
  }

  received(jobId: string): { bytes: number; rounds: number; complete: boolean } | null {
    const i = this.incoming.get(jobId);
    return i ? { bytes: i.bytes, rounds: i.rounds, complete: i.complete } : null;
  }

  /** Registers the stream route on a Dom0's xprtld. */
  mount(dom0: Dom0): void {
    dom0.xprtld.route(
      'POST',
      STREAM_ROUTE,
      (ctx) => {
        const body = RoundBody.safeParse(ctx.body);
        if (!body.success)
          throw new XdcError('ERR_VALIDATION', 'a migration stream message needs {jobId, round, bytes}');
        const m = body.data;
        const inc = this.incoming.get(m.jobId);
        if (!inc || inc.to !== dom0.hostId)
          throw new XdcError('ERR_NOT_FOUND', `host ${dom0.hostId} expects no incoming migration ${m.jobId}`);
        if (ctx.caller?.nodeId !== inc.from)
          throw new XdcError(
            'ERR_FORBIDDEN',
            `migration ${m.jobId} streams from ${inc.from}, not ${ctx.caller?.nodeId ?? 'an unknown node'}`,
          );
        inc.bytes += m.bytes;
        if (m.round === 'final') inc.complete = true;
        else inc.rounds = m.round;
        return { receivedBytes: inc.bytes, rounds: inc.rounds, complete: inc.complete };
      },
      { role: 'node' },
    );
  }
}

export interface StreamDeps {
  clock: PoolClock;
  fabric: Fabric;
}

export class MemoryStream {
  constructor(
    private readonly d: StreamDeps,
    readonly jobId: string,
    private readonly source: Dom0,
    private readonly to: string,
  ) {}

  /**
   * `ms` of pool time on the wire, in slices; `onProgress(fraction)` after each. Throws
   * ERR_NODE_UNREACHABLE naming the side that is cut off when the stream breaks.
   */
  async transmit(
    ms: number,
    what: string,
    onProgress: (fraction: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let done = 0;
    while (done < ms) {
      const step = Math.min(STREAM_SLICE_MS, ms - done);
      await this.d.clock.sleep(step, signal);
      done += step;
      this.checkFlowing(what);
      onProgress(ms > 0 ? done / ms : 1);
    }
    this.checkFlowing(what);
  }

  /** The source tells the destination what the round carried; the destination acknowledges. */
  async acknowledge(round: RoundMessage['round'], bytes: number): Promise<{ receivedBytes: number }> {
    const body: RoundMessage = { jobId: this.jobId, round, bytes };
    try {
      return await this.d.fabric.call<{ receivedBytes: number }>(
        this.source.session,
        this.to,
        'POST',
        STREAM_ROUTE,
        body,
        {
          timeoutMs: STREAM_ACK_TIMEOUT_MS,
        },
      );
    } catch (e) {
      const x = e instanceof XdcError ? e : new XdcError('ERR_INTERNAL', String(e));
      throw new XdcError(
        x.code,
        `the destination ${this.to} did not acknowledge ${round === 'final' ? 'the final copy' : `round ${round}`}: ${x.message}`,
      );
    }
  }

  private checkFlowing(what: string): void {
    const from = this.source.hostId;
    if (this.d.fabric.reachable(from, this.to)) return;
    const side = (h: string) => {
      const s = this.d.fabric.status(h);
      return s === 'up' ? null : `${h} is ${s}`;
    };
    const why = side(this.to) ?? side(from) ?? 'no route between them';
    throw new XdcError(
      'ERR_NODE_UNREACHABLE',
      `the memory stream from ${from} to ${this.to} broke during ${what}: ${why}`,
      {
        from,
        to: this.to,
      },
    );
  }
}
