/**
 * Reading sense data back into words: the sense key and ASC/ASCQ names, and one sentence per
 * sense buffer, for `dcli scsi` and for the message a guest shows when vxfen cannot register
 * its keys. Decodes fixed (0x70/0x71) and, for robustness, descriptor (0x72/0x73) format.
 */
import { Asc, ScsiStatus, SenseKey } from './sense';

function nameTable(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([k, v]) => [v, k.replace(/_/g, ' ')]));
}

const SENSE_KEY_NAMES = nameTable(SenseKey);
const STATUS_NAMES = nameTable(ScsiStatus);

/** T10 wording for the codes the LUN layer raises. */
const ASC_TEXT = new Map<number, string>([
  [Asc.NO_ADDITIONAL_SENSE_INFORMATION, 'NO ADDITIONAL SENSE INFORMATION'],
  [Asc.LUN_NOT_READY_BECOMING_READY, 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY'],
  [Asc.LUN_NOT_ACCESSIBLE_STANDBY, 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE'],
  [Asc.LUN_NOT_ACCESSIBLE_UNAVAILABLE, 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE'],
  [Asc.WRITE_ERROR, 'WRITE ERROR'],
  [Asc.UNRECOVERED_READ_ERROR, 'UNRECOVERED READ ERROR'],
  [Asc.PARAMETER_LIST_LENGTH_ERROR, 'PARAMETER LIST LENGTH ERROR'],
  [Asc.INVALID_COMMAND_OPERATION_CODE, 'INVALID COMMAND OPERATION CODE'],
  [Asc.LBA_OUT_OF_RANGE, 'LOGICAL BLOCK ADDRESS OUT OF RANGE'],
  [Asc.INVALID_FIELD_IN_CDB, 'INVALID FIELD IN CDB'],
  [Asc.LOGICAL_UNIT_NOT_SUPPORTED, 'LOGICAL UNIT NOT SUPPORTED'],
  [Asc.INVALID_FIELD_IN_PARAMETER_LIST, 'INVALID FIELD IN PARAMETER LIST'],
  [Asc.WRITE_PROTECTED, 'WRITE PROTECTED'],
  [Asc.SPACE_ALLOCATION_FAILED_WRITE_PROTECT, 'SPACE ALLOCATION FAILED WRITE PROTECT'],
  [Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED'],
  [Asc.CAPACITY_DATA_HAS_CHANGED, 'CAPACITY DATA HAS CHANGED'],
  [Asc.SAVING_PARAMETERS_NOT_SUPPORTED, 'SAVING PARAMETERS NOT SUPPORTED'],
  [Asc.REPORTED_LUNS_DATA_HAS_CHANGED, 'REPORTED LUNS DATA HAS CHANGED'],
  [Asc.INTERNAL_TARGET_FAILURE, 'INTERNAL TARGET FAILURE'],
  [Asc.DATA_PHASE_ERROR, 'DATA PHASE ERROR'],
]);

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

export function senseKeyName(key: number): string {
  return SENSE_KEY_NAMES.get(key & 0x0f) ?? `SENSE KEY ${hex2(key & 0x0f)}h`;
}

export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `STATUS ${hex2(status)}h`;
}

/** Text for an ASC/ASCQ pair; 'ASC 40h ASCQ 81h' for one not in the table. */
export function ascText(asc: number, ascq: number): string {
  return ASC_TEXT.get(((asc & 0xff) << 8) | (ascq & 0xff)) ?? `ASC ${hex2(asc)}h ASCQ ${hex2(ascq)}h`;
}

export interface DecodedSense {
  format: 'fixed' | 'descriptor';
  /** 0x70/0x72 current, 0x71/0x73 deferred. */
  responseCode: number;
  deferred: boolean;
  senseKey: number;
  senseKeyName: string;
  asc: number;
  ascq: number;
  ascText: string;
  /** The INFORMATION field when VALID is set (fixed format), typically the failing LBA. */
  information?: number;
  /** The SENSE-KEY SPECIFIC field pointer when SKSV is set on ILLEGAL REQUEST. */
  fieldPointer?: { inCdb: boolean; byte: number; bit?: number };
}

/** Decodes sense data; null when the buffer is empty or is not sense data. */
export function decodeSense(buf: Uint8Array): DecodedSense | null {
  if (buf.length < 1) return null;
  const responseCode = buf[0]! & 0x7f;
  const deferred = responseCode === 0x71 || responseCode === 0x73;
  if (responseCode === 0x70 || responseCode === 0x71) {
    const key = (buf[2] ?? 0) & 0x0f;
    const asc = buf[12] ?? 0;
    const ascq = buf[13] ?? 0;
    const out: DecodedSense = {
      format: 'fixed',
      responseCode,
      deferred,
      senseKey: key,
      senseKeyName: senseKeyName(key),
      asc,
      ascq,
      ascText: ascText(asc, ascq),
    };
    if (buf[0]! & 0x80 && buf.length >= 7) {
      out.information = ((buf[3]! << 24) >>> 0) + (buf[4]! << 16) + (buf[5]! << 8) + buf[6]!;
    }
    const sks = buf[15] ?? 0;
    if (key === SenseKey.ILLEGAL_REQUEST && sks & 0x80 && buf.length >= 18) {
      const byte = (buf[16]! << 8) | buf[17]!;
      out.fieldPointer =
        sks & 0x08
          ? { inCdb: (sks & 0x40) !== 0, byte, bit: sks & 0x07 }
          : { inCdb: (sks & 0x40) !== 0, byte };
    }
    return out;
  }
  if (responseCode === 0x72 || responseCode === 0x73) {
    const key = (buf[1] ?? 0) & 0x0f;
    const asc = buf[2] ?? 0;
    const ascq = buf[3] ?? 0;
    return {
      format: 'descriptor',
      responseCode,
      deferred,
      senseKey: key,
      senseKeyName: senseKeyName(key),
      asc,
      ascq,
      ascText: ascText(asc, ascq),
    };
  }
  return null;
}

/**
 * One sentence for a sense buffer, e.g.
 * 'ILLEGAL REQUEST: INVALID COMMAND OPERATION CODE (ASC 20h ASCQ 00h)' or
 * 'ILLEGAL REQUEST: INVALID FIELD IN CDB (ASC 24h ASCQ 00h), CDB byte 1 bit 1'.
 */
export function describeSense(buf: Uint8Array | null | undefined): string {
  if (!buf || buf.length === 0) return 'no sense data';
  const s = decodeSense(buf);
  if (!s) return `not sense data (response code ${hex2(buf[0]! & 0x7f)}h)`;
  const codes = `ASC ${hex2(s.asc)}h ASCQ ${hex2(s.ascq)}h`;
  const what = s.ascText === codes ? codes : `${s.ascText} (${codes})`;
  let text = `${s.deferred ? 'deferred ' : ''}${s.senseKeyName}: ${what}`;
  if (s.fieldPointer) {
    const where = s.fieldPointer.inCdb ? 'CDB' : 'parameter list';
    text += `, ${where} byte ${s.fieldPointer.byte}${s.fieldPointer.bit === undefined ? '' : ` bit ${s.fieldPointer.bit}`}`;
  }
  if (s.information !== undefined) text += `, information ${s.information}`;
  return text;
}
