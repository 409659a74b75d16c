/**
 * The shape of the command table: what one entry knows about its CDB (its usage data, which is
 * both what REPORT SUPPORTED OPERATION CODES reports and what the shared checks enforce), how it
 * runs, and what the LUN offers to the commands (LogicalUnit).
 */
import type { LunBackend } from './backend';
import type { MediumDirection } from './backend-errors';

/** The result of one command, as the guest's HBA driver sees it. */
export interface ScsiResult {
  /** SAM status: 0x00 GOOD, 0x02 CHECK CONDITION. */
  status: number;
  /** Data-in (empty for data-out and no-data commands, and on CHECK CONDITION). */
  data: Buffer;
  /** 18-byte fixed-format sense data (response code 0x70) with CHECK CONDITION, else null. */
  sense: Buffer | null;
  /** Bytes of the expected data-in transfer that were not filled (SAM residual underflow). */
  residual?: number;
}

export interface ExecuteOptions {
  /**
   * The initiator's data-in memory (its scatter-gather buffer). READ places the blocks in it when it
   * is large enough, and `data` is then a view of it; otherwise it is not used.
   */
  dataIn?: Buffer;
  /**
   * The initiator's data-in buffer size (the transport's expected transfer length). Data beyond
   * it is cut off; what it leaves unfilled is reported as `residual`.
   */
  allocationLength?: number;
}

/** What a command may use of the logical unit it runs on. */
export interface LogicalUnit {
  readonly backend: LunBackend;
  /** Capacity in blocks, read once per command before dispatch. */
  readonly capacity: number;
  /** LUN numbers of the target this LUN is attached to (REPORT LUNS). */
  reportedLuns(): readonly number[];
  /** REQUEST SENSE: the sense to return now (last sense, else a pending UNIT ATTENTION), consumed. */
  takeSense(): Buffer;
  /** REPORT LUNS clears the REPORTED LUNS DATA HAS CHANGED unit attention. */
  clearUnitAttention(code: number): void;
}

export type CommandRun = (
  unit: LogicalUnit,
  cdb: Uint8Array,
  dataOut: Buffer | undefined,
  dataIn: Buffer | undefined,
) => Buffer | Promise<Buffer>;

export interface ScsiCommand {
  readonly opcode: number;
  readonly serviceAction?: number;
  readonly name: string;
  /**
   * CDB usage data (SPC-4 REPORT SUPPORTED OPERATION CODES): byte 0 the opcode, then for every
   * byte the bits this device server reads; the last byte is CONTROL. Its length is the CDB length.
   * A bit set in the CDB outside this mask is a reserved field: 24/00 with a field pointer.
   */
  readonly usage: Uint8Array;
  readonly run: CommandRun;
  /** The CDB's ALLOCATION LENGTH: returned data is cut to it. */
  readonly allocationLength?: (cdb: Uint8Array) => number;
  /** INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear a pending UNIT ATTENTION. */
  readonly passesUnitAttention?: boolean;
  /** REQUEST SENSE reads the last sense rather than replacing it. */
  readonly readsSense?: boolean;
  /** Whether the command moves data to or from the medium (ERR_IO -> read or write MEDIUM ERROR). */
  readonly medium?: MediumDirection;
}

/** An opcode whose command is chosen by the SERVICE ACTION field (byte 1, bits 4-0): tgt's sub-table. */
export interface ServiceActionGroup {
  readonly opcode: number;
  readonly name: string;
  readonly cdbLength: number;
  readonly serviceActions: ReadonlyMap<number, ScsiCommand>;
  readonly passesUnitAttention?: false;
}

export type CommandTableEntry = ScsiCommand | ServiceActionGroup;

export function isServiceActionGroup(e: CommandTableEntry): e is ServiceActionGroup {
  return 'serviceActions' in e;
}

export const NO_DATA: Buffer = Buffer.alloc(0);
