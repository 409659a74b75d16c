/**
 * iSCSI PDUs (RFC 7143 section 11): the opcodes, the 48-byte Basic Header Segment and its
 * fields, and the builder of target PDUs. One PDU is a BHS, optional AHS, an optional header
 * digest, a data segment padded to 4 bytes and an optional data digest.
 */

/** Initiator opcodes (BHS byte 0, bits 5-0). */
export const InitiatorOp = {
  NOP_OUT: 0x00,
  SCSI_COMMAND: 0x01,
  TASK_MGMT_REQUEST: 0x02,
  LOGIN_REQUEST: 0x03,
  TEXT_REQUEST: 0x04,
  DATA_OUT: 0x05,
  LOGOUT_REQUEST: 0x06,
  SNACK_REQUEST: 0x10,
} as const;

/** Target opcodes. */
export const TargetOp = {
  NOP_IN: 0x20,
  SCSI_RESPONSE: 0x21,
  TASK_MGMT_RESPONSE: 0x22,
  LOGIN_RESPONSE: 0x23,
  TEXT_RESPONSE: 0x24,
  DATA_IN: 0x25,
  LOGOUT_RESPONSE: 0x26,
  R2T: 0x31,
  ASYNC_MESSAGE: 0x32,
  REJECT: 0x3f,
} as const;

/** Reject reasons (RFC 7143 11.17.1). */
export const RejectReason = {
  DATA_DIGEST_ERROR: 0x02,
  SNACK_REJECT: 0x03,
  PROTOCOL_ERROR: 0x04,
  COMMAND_NOT_SUPPORTED: 0x05,
  IMMEDIATE_COMMAND_REJECT: 0x06,
  TASK_IN_PROGRESS: 0x07,
  INVALID_DATA_ACK: 0x08,
  INVALID_PDU_FIELD: 0x09,
  LONG_OPERATION_REJECT: 0x0a,
  WAITING_FOR_LOGOUT: 0x0c,
} as const;

export const BHS_LENGTH = 48;
/** The reserved tag value: "no task" / "no target transfer". */
export const RESERVED_TAG = 0xffffffff;

/** Flags of byte 1. */
export const Flag = {
  FINAL: 0x80,
  /** SCSI Command: read / write; Data-In: acknowledge. */
  READ: 0x40,
  WRITE: 0x20,
  /** Login / Text: transit / continue. */
  TRANSIT: 0x80,
  CONTINUE: 0x40,
  /** Data-In / SCSI Response residual bits. */
  OVERFLOW: 0x04,
  UNDERFLOW: 0x02,
  STATUS: 0x01,
} as const;

export const IMMEDIATE_BIT = 0x40;

/** A PDU as received: the header (BHS), its AHS and its data segment (without padding). */
export interface Pdu {
  readonly bhs: Buffer;
  readonly ahs: Buffer;
  readonly data: Buffer;
}

export const pduOpcode = (bhs: Buffer): number => bhs[0]! & 0x3f;
export const isImmediate = (bhs: Buffer): boolean => (bhs[0]! & IMMEDIATE_BIT) !== 0;
export const totalAhsBytes = (bhs: Buffer): number => bhs[4]! * 4;
export const dataSegmentLength = (bhs: Buffer): number => (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]!;
export const initiatorTaskTag = (bhs: Buffer): number => bhs.readUInt32BE(16);
export const padded = (n: number): number => (n + 3) & ~3;

/** Serial number arithmetic (RFC 1982, 32 bits): a < b. */
export function snLess(a: number, b: number): boolean {
  return a !== b && ((a < b && b - a < 0x80000000) || (a > b && a - b > 0x80000000));
}

export const snAdd = (a: number, n: number): number => (a + n) >>> 0;

/**
 * The LUN field (8 bytes, SAM-5 single-level LUN): peripheral device addressing (method 00b, bus
 * 0) or flat space addressing (method 01b). Anything else names no LUN of ours: -1.
 */
export function decodeLun(bhs: Buffer): number {
  const b0 = bhs[8]!;
  const method = b0 >> 6;
  for (let i = 10; i < 16; i++) if (bhs[i] !== 0) return -1;
  if (method === 0) return (b0 & 0x3f) === 0 ? bhs[9]! : -1;
  if (method === 1) return ((b0 & 0x3f) << 8) | bhs[9]!;
  return -1;
}

export function encodeLun(lun: number, into: Buffer, at = 8): void {
  if (lun < 256) {
    into[at] = 0;
    into[at + 1] = lun;
  } else {
    into[at] = 0x40 | ((lun >> 8) & 0x3f);
    into[at + 1] = lun & 0xff;
  }
}

/** A fresh target BHS with opcode, flags and data segment length filled in. */
export function targetBhs(opcode: number, flags: number, dataLength: number): Buffer {
  const bhs = Buffer.alloc(BHS_LENGTH);
  bhs[0] = opcode;
  bhs[1] = flags;
  bhs[5] = (dataLength >> 16) & 0xff;
  bhs[6] = (dataLength >> 8) & 0xff;
  bhs[7] = dataLength & 0xff;
  return bhs;
}

/** Short names for logs and Reject messages. */
export function opcodeName(op: number): string {
  for (const [name, value] of [...Object.entries(InitiatorOp), ...Object.entries(TargetOp)]) {
    if (value === op) return name.replace(/_/g, '-');
  }
  return `opcode 0x${op.toString(16).padStart(2, '0')}`;
}
