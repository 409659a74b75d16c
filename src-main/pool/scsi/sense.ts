/**
 * Status codes, sense keys, additional sense codes, and THE sense builder: every CHECK CONDITION
 * the LUN layer returns carries 18 bytes of fixed-format sense data (response code 0x70) built
 * here, the way tgt routes every error through one `sense_data_build`.
 */

/** SAM status codes. */
export const ScsiStatus = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;

export const SenseKey = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;
export type SenseKey = (typeof SenseKey)[keyof typeof SenseKey];

/**
 * Additional sense code and qualifier as one 16-bit value, ASC in the high byte, ASCQ in the low
 * byte (0x2400 = ASC 24h ASCQ 00h), so one name carries both and one map gives the text.
 */
export const Asc = {
  NO_ADDITIONAL_SENSE_INFORMATION: 0x0000,
  LUN_NOT_READY_BECOMING_READY: 0x0401,
  LUN_NOT_ACCESSIBLE_STANDBY: 0x040b,
  LUN_NOT_ACCESSIBLE_UNAVAILABLE: 0x040c,
  WRITE_ERROR: 0x0c00,
  UNRECOVERED_READ_ERROR: 0x1100,
  PARAMETER_LIST_LENGTH_ERROR: 0x1a00,
  INVALID_COMMAND_OPERATION_CODE: 0x2000,
  LBA_OUT_OF_RANGE: 0x2100,
  INVALID_FIELD_IN_CDB: 0x2400,
  LOGICAL_UNIT_NOT_SUPPORTED: 0x2500,
  INVALID_FIELD_IN_PARAMETER_LIST: 0x2600,
  WRITE_PROTECTED: 0x2700,
  SPACE_ALLOCATION_FAILED_WRITE_PROTECT: 0x2707,
  POWER_ON_RESET_OR_BUS_DEVICE_RESET: 0x2900,
  CAPACITY_DATA_HAS_CHANGED: 0x2a09,
  SAVING_PARAMETERS_NOT_SUPPORTED: 0x3900,
  REPORTED_LUNS_DATA_HAS_CHANGED: 0x3f0e,
  INTERNAL_TARGET_FAILURE: 0x4400,
  DATA_PHASE_ERROR: 0x4b00,
} as const;
export type AscCode = number;

/**
 * Where in the CDB (or parameter list) the offending field is: the SENSE-KEY SPECIFIC field of
 * ILLEGAL REQUEST sense (SKSV=1, C/D, BPV + bit pointer, field pointer).
 */
export interface FieldPointer {
  byte: number;
  /** Most significant bit of the field (0-7); omitted when the whole byte is meant. */
  bit?: number;
  /** true (default): the field is in the CDB; false: in the data-out parameter list. */
  inCdb?: boolean;
}

export const FIXED_SENSE_LENGTH = 18;
export const FIXED_SENSE_CURRENT = 0x70;

function build(key: SenseKey, code: AscCode, field?: FieldPointer, information?: number): Buffer {
  const sense = Buffer.alloc(FIXED_SENSE_LENGTH);
  sense[0] = FIXED_SENSE_CURRENT;
  sense[2] = key;
  // The INFORMATION field is 4 bytes in fixed format: a larger LBA cannot be carried, so VALID stays 0.
  if (information !== undefined && information >= 0 && information <= 0xffffffff) {
    sense[0] = FIXED_SENSE_CURRENT | 0x80;
    sense.writeUInt32BE(information, 3);
  }
  sense[7] = FIXED_SENSE_LENGTH - 8;
  sense[12] = (code >> 8) & 0xff;
  sense[13] = code & 0xff;
  if (field) {
    const cd = field.inCdb === false ? 0 : 0x40;
    const bpv = field.bit === undefined ? 0 : 0x08 | (field.bit & 0x07);
    sense[15] = 0x80 | cd | bpv;
    sense.writeUInt16BE(field.byte & 0xffff, 16);
  }
  return sense;
}

/** The one sense builder: 18-byte fixed-format current sense data. */
export const ScsiSense = {
  build,
  noSense(): Buffer {
    return build(SenseKey.NO_SENSE, Asc.NO_ADDITIONAL_SENSE_INFORMATION);
  },
  illegalRequest(code: AscCode, field?: FieldPointer): Buffer {
    return build(SenseKey.ILLEGAL_REQUEST, code, field);
  },
  notReady(code: AscCode): Buffer {
    return build(SenseKey.NOT_READY, code);
  },
  /** `lba`: the first block that failed, reported in INFORMATION when it fits in 32 bits. */
  mediumError(code: AscCode, lba?: number): Buffer {
    return build(SenseKey.MEDIUM_ERROR, code, undefined, lba);
  },
  unitAttention(code: AscCode): Buffer {
    return build(SenseKey.UNIT_ATTENTION, code);
  },
  dataProtect(code: AscCode): Buffer {
    return build(SenseKey.DATA_PROTECT, code);
  },
  hardwareError(code: AscCode = Asc.INTERNAL_TARGET_FAILURE): Buffer {
    return build(SenseKey.HARDWARE_ERROR, code);
  },
  abortedCommand(code: AscCode): Buffer {
    return build(SenseKey.ABORTED_COMMAND, code);
  },
};

/**
 * Thrown inside the LUN layer by a command that ends in CHECK CONDITION; VirtualLun.execute turns
 * it into the result. It never leaves execute().
 */
export class CheckCondition extends Error {
  constructor(readonly sense: Buffer) {
    super('CHECK CONDITION');
    this.name = 'CheckCondition';
  }
}

/** ILLEGAL REQUEST, INVALID FIELD IN CDB, pointing at `byte` (and `bit`) of the CDB. */
export function invalidCdbField(byte: number, bit?: number): CheckCondition {
  return new CheckCondition(
    ScsiSense.illegalRequest(Asc.INVALID_FIELD_IN_CDB, bit === undefined ? { byte } : { byte, bit }),
  );
}

export function lbaOutOfRange(): CheckCondition {
  return new CheckCondition(ScsiSense.illegalRequest(Asc.LBA_OUT_OF_RANGE));
}
