/**
 * Building the ScsiResult: data-in cut to the CDB's ALLOCATION LENGTH and to the initiator's buffer,
 * with the residual (bytes of the expected transfer left unfilled), or CHECK CONDITION with sense.
 */
import { type ExecuteOptions, NO_DATA, type ScsiCommand, type ScsiResult } from './command';
import { ScsiStatus } from './sense';

function initiatorLength(opts: ExecuteOptions | undefined): number | undefined {
  const n = opts?.allocationLength;
  return n === undefined || !Number.isFinite(n) ? undefined : Math.max(0, Math.floor(n));
}

export function goodResult(
  command: ScsiCommand,
  cdb: Uint8Array,
  out: Buffer,
  opts: ExecuteOptions | undefined,
): ScsiResult {
  let data = out;
  let expected = data.length;
  if (command.allocationLength) {
    expected = command.allocationLength(cdb);
    if (data.length > expected) data = data.subarray(0, expected);
  }
  const initiator = initiatorLength(opts);
  if (initiator !== undefined) {
    expected = initiator;
    if (data.length > expected) data = data.subarray(0, expected);
  }
  return { status: ScsiStatus.GOOD, data, sense: null, residual: expected - data.length };
}

export function checkConditionResult(sense: Buffer, opts: ExecuteOptions | undefined): ScsiResult {
  return { status: ScsiStatus.CHECK_CONDITION, data: NO_DATA, sense, residual: initiatorLength(opts) ?? 0 };
}
