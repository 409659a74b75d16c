/**
 * Agentlets: what the storage manager learns about a guest, discovered the way a real agent
 * does it — by SCSI commands through the guest's HBA (REPORT LUNS, then per LUN standard
 * INQUIRY, VPD 0x80 and 0x83, READ CAPACITY(16)), never by looking at pool state. A LUN that
 * answers a command with CHECK CONDITION is retried once for a UNIT ATTENTION (a disk driver
 * does the same after a reset or a capacity change) and otherwise reported as an error.
 */
import { XdcError } from '../errors';
import {
  Cdb,
  CHECK_CONDITION,
  GOOD,
  type GuestHba,
  parseDeviceIdentification,
  parseReadCapacity16,
  parseReportLuns,
  parseStandardInquiry,
  parseUnitSerial,
  type ScsiAnswer,
  senseCodes,
} from './scsi-commands';
import type { LunRecord } from './wire';

const UNIT_ATTENTION = 0x6;

export interface Discovery {
  luns: LunRecord[];
  /** One sentence per LUN (or the whole HBA) that could not be discovered. */
  errors: string[];
}

/** Windows-style address: port 0 bus 0 target 0 lun N. */
export function lunAddress(lun: number): string {
  return `0:0:0:${lun}`;
}

export function lunName(lun: number): string {
  return `lun${lun}`;
}

export class CommandFailed extends XdcError {
  constructor(
    readonly command: string,
    readonly answer: ScsiAnswer,
    lun: number,
  ) {
    const s = senseCodes(answer.sense);
    const why = s
      ? `sense key ${s.key.toString(16)}h ASC ${s.asc.toString(16).padStart(2, '0')}h ASCQ ${s.ascq.toString(16).padStart(2, '0')}h`
      : `status ${answer.status.toString(16).padStart(2, '0')}h`;
    super('ERR_IO', `${command} to ${lunName(lun)} failed (${why})`);
  }
}

/** Sends one command, retrying once after a UNIT ATTENTION; throws CommandFailed otherwise. */
export async function issue(
  hba: GuestHba,
  lun: number,
  command: string,
  cdb: Buffer,
  dataOut?: Buffer,
): Promise<Buffer> {
  for (let attempt = 0; ; attempt++) {
    const a = await hba.execute(lun, cdb, dataOut);
    if (a.status === GOOD) return a.data;
    const s = senseCodes(a.sense);
    if (a.status === CHECK_CONDITION && s?.key === UNIT_ATTENTION && attempt < 2) continue;
    throw new CommandFailed(command, a, lun);
  }
}

export async function discoverLun(hba: GuestHba, lun: number): Promise<LunRecord> {
  const std = parseStandardInquiry(await issue(hba, lun, 'INQUIRY', Cdb.inquiry(96)));
  const serial = parseUnitSerial(await issue(hba, lun, 'INQUIRY VPD 0x80', Cdb.inquiry(255, 0x80)));
  const ids = parseDeviceIdentification(await issue(hba, lun, 'INQUIRY VPD 0x83', Cdb.inquiry(255, 0x83)));
  const cap = parseReadCapacity16(await issue(hba, lun, 'READ CAPACITY(16)', Cdb.readCapacity16()));
  return {
    lun,
    address: lunAddress(lun),
    vendor: std.vendor,
    product: std.product,
    revision: std.revision,
    serial,
    naa: ids.naa,
    t10: ids.t10,
    blockSize: cap.blockSize,
    sizeBytes: cap.bytes,
  };
}

/** REPORT LUNS (sent to LUN 0, as SPC allows), then every LUN listed. */
export async function discoverLuns(hba: GuestHba): Promise<Discovery> {
  let numbers: number[];
  try {
    numbers = parseReportLuns(await issue(hba, 0, 'REPORT LUNS', Cdb.reportLuns()));
  } catch (e) {
    return { luns: [], errors: [`REPORT LUNS failed: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const luns: LunRecord[] = [];
  const errors: string[] = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    try {
      luns.push(await discoverLun(hba, n));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { luns, errors };
}

/** What changed between two discoveries: for the reporter's LUN added/removed/resized events. */
export function diffLuns(
  before: LunRecord[],
  after: LunRecord[],
): { added: LunRecord[]; removed: LunRecord[]; resized: Array<{ lun: LunRecord; fromBytes: number }> } {
  const old = new Map(before.map((l) => [l.lun, l]));
  const now = new Map(after.map((l) => [l.lun, l]));
  const added = after.filter((l) => !old.has(l.lun) || old.get(l.lun)!.naa !== l.naa);
  const removed = before.filter((l) => !now.has(l.lun) || now.get(l.lun)!.naa !== l.naa);
  const resized: Array<{ lun: LunRecord; fromBytes: number }> = [];
  for (const l of after) {
    const o = old.get(l.lun);
    if (o && o.naa === l.naa && o.sizeBytes !== l.sizeBytes) resized.push({ lun: l, fromBytes: o.sizeBytes });
  }
  return { added, removed, resized };
}
