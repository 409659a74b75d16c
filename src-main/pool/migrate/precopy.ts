/**
 * The memory pre-copy model of Xen live migration (Clark et al., NSDI 2005), as a pure function.
 *
 * Round 1 sends all of the guest's memory over the link; while a round runs, the guest dirties
 * memory at its dirty rate, and the next round resends what was dirtied. Xen's save loop stops
 * iterating when the remainder is small enough to send within the downtime target, or after 30
 * rounds, or once it has sent 3x the guest's memory; the remainder is then sent during
 * stop-and-copy, with the guest paused: that is the downtime (plus suspend/resume overhead and
 * the storage handoff, which the migration job adds when it happens).
 */
export interface PrecopyInput {
  memoryBytes: number;
  dirtyBytesPerSec: number;
  linkBytesPerSec: number;
  maxRounds?: number;
  maxSentFactor?: number;
  /** Iterate until the remainder can be sent within this many ms. */
  targetStopCopyMs?: number;
}

export interface PrecopyRound {
  round: number;
  bytes: number;
  durationMs: number;
}

export interface PrecopyPlan {
  rounds: PrecopyRound[];
  /** Bytes sent during the pre-copy rounds. */
  precopyBytes: number;
  /** Dirty memory left for stop-and-copy. */
  remainderBytes: number;
  stopCopyMs: number;
  stopReason: 'remainder-small' | 'max-rounds' | 'max-sent';
  /** One sentence a user can read: why the rounds stopped where they did. */
  explanation: string;
}

export const XEN_MAX_ROUNDS = 30;
export const XEN_MAX_SENT_FACTOR = 3;
export const DEFAULT_TARGET_STOP_COPY_MS = 50;

const MB = 1_000_000;

export function planPrecopy(input: PrecopyInput): PrecopyPlan {
  const maxRounds = input.maxRounds ?? XEN_MAX_ROUNDS;
  const maxSent = (input.maxSentFactor ?? XEN_MAX_SENT_FACTOR) * input.memoryBytes;
  const target = input.targetStopCopyMs ?? DEFAULT_TARGET_STOP_COPY_MS;
  const link = input.linkBytesPerSec;
  if (!(link > 0)) throw new RangeError('link bandwidth must be positive');
  const msFor = (bytes: number) => (bytes / link) * 1000;

  const rounds: PrecopyRound[] = [];
  let toSend = input.memoryBytes;
  let sent = 0;
  let stopReason: PrecopyPlan['stopReason'] = 'max-rounds';
  for (let round = 1; round <= maxRounds; round++) {
    const durationMs = msFor(toSend);
    rounds.push({ round, bytes: toSend, durationMs });
    sent += toSend;
    // What the guest dirtied while this round was on the wire, capped by its memory.
    toSend = Math.min(input.memoryBytes, (input.dirtyBytesPerSec * durationMs) / 1000);
    if (msFor(toSend) <= target) {
      stopReason = 'remainder-small';
      break;
    }
    if (sent >= maxSent) {
      stopReason = 'max-sent';
      break;
    }
  }
  const stopCopyMs = msFor(toSend);
  const pct = Math.round((input.dirtyBytesPerSec / link) * 100);
  const rate = `dirty rate ${(input.dirtyBytesPerSec / MB).toFixed(0)} MB/s is ${pct}% of the link's ${(link / MB).toFixed(0)} MB/s`;
  const explanation =
    stopReason === 'remainder-small'
      ? `pre-copy converged after ${rounds.length} round(s): the last ${(toSend / MB).toFixed(1)} MB dirty memory fits the ${target} ms stop-and-copy target (${rate})`
      : stopReason === 'max-sent'
        ? `pre-copy stopped after ${rounds.length} round(s) because it had sent 3x the guest's memory without converging (${rate}); ${(toSend / MB).toFixed(1)} MB is left for stop-and-copy, hence the long downtime`
        : `pre-copy stopped at Xen's limit of ${maxRounds} rounds without converging (${rate}); ${(toSend / MB).toFixed(1)} MB is left for stop-and-copy`;
  return { rounds, precopyBytes: sent, remainderBytes: toSend, stopCopyMs, stopReason, explanation };
}
