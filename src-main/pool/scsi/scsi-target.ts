/**
 * A guest's virtual HBA target: LUN number -> VirtualLun. Commands to a LUN number with no logical
 * unit are answered as SPC-4 says: INQUIRY returns peripheral qualifier 011b / type 1Fh, REPORT
 * LUNS returns the inventory (an initiator asks LUN 0 whether or not LUN 0 exists), REQUEST SENSE
 * returns GOOD with sense data LOGICAL UNIT NOT SUPPORTED, and anything else ends in CHECK
 * CONDITION, ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED (25/00).
 */
import { XdcError } from '../errors';
import { checkCdb } from './cdb-checks';
import type { ExecuteOptions, ScsiResult } from './command';
import { commandFor } from './command-table';
import { NO_LUN_PERIPHERAL, standardInquiry } from './commands/inquiry';
import { MAX_LUN, reportLunsData } from './commands/report-luns';
import { Opcode } from './opcodes';
import { checkConditionResult, goodResult } from './result';
import { Asc, CheckCondition, ScsiSense } from './sense';
import type { VirtualLun } from './virtual-lun';

export class ScsiTarget {
  private readonly units = new Map<number, VirtualLun>();

  /** Attaches `unit` as LUN `lun`; the other LUNs get REPORTED LUNS DATA HAS CHANGED. */
  attach(lun: number, unit: VirtualLun): void {
    if (!Number.isInteger(lun) || lun < 0 || lun > MAX_LUN) {
      throw new XdcError('ERR_VALIDATION', `LUN ${lun} is not a LUN number (0-${MAX_LUN})`);
    }
    if (this.units.has(lun)) throw new XdcError('ERR_CONFLICT', `LUN ${lun} is already attached`);
    this.announceInventoryChange();
    this.units.set(lun, unit);
    unit.reportInventoryFrom(() => this.luns());
  }

  /** Detaches LUN `lun`; returns the unit that was there. */
  detach(lun: number): VirtualLun | undefined {
    const unit = this.units.get(lun);
    if (!unit) return undefined;
    this.units.delete(lun);
    unit.reportInventoryFrom(() => []);
    this.announceInventoryChange();
    return unit;
  }

  get(lun: number): VirtualLun | undefined {
    return this.units.get(lun);
  }

  /** Attached LUN numbers, ascending. */
  luns(): number[] {
    return [...this.units.keys()].sort((a, b) => a - b);
  }

  /** Runs `cdb` on LUN `lun`. Never throws. */
  execute(lun: number, cdb: Uint8Array, dataOut?: Buffer, opts?: ExecuteOptions): Promise<ScsiResult> {
    const unit = this.units.get(lun);
    if (unit) return unit.execute(cdb, dataOut, opts);
    return Promise.resolve(this.answerWithoutLun(cdb, opts));
  }

  private announceInventoryChange(): void {
    for (const unit of this.units.values()) unit.raiseUnitAttention(Asc.REPORTED_LUNS_DATA_HAS_CHANGED);
  }

  private answerWithoutLun(cdb: Uint8Array, opts: ExecuteOptions | undefined): ScsiResult {
    try {
      const entry = commandFor(cdb);
      const op = cdb[0];
      if (op !== Opcode.INQUIRY && op !== Opcode.REPORT_LUNS && op !== Opcode.REQUEST_SENSE) {
        throw new CheckCondition(ScsiSense.illegalRequest(Asc.LOGICAL_UNIT_NOT_SUPPORTED));
      }
      const command = checkCdb(entry, cdb);
      return goodResult(command, cdb, this.dataWithoutLun(op, cdb), opts);
    } catch (e) {
      const sense = e instanceof CheckCondition ? e.sense : ScsiSense.hardwareError();
      return checkConditionResult(sense, opts);
    }
  }

  private dataWithoutLun(op: number, cdb: Uint8Array): Buffer {
    if (op === Opcode.REPORT_LUNS) return reportLunsData(cdb, this.luns());
    if (op === Opcode.REQUEST_SENSE) return ScsiSense.illegalRequest(Asc.LOGICAL_UNIT_NOT_SUPPORTED);
    if (cdb[1]! & 0x01) {
      // No vital product data either: a header that says "no device here".
      const d = Buffer.alloc(4);
      d[0] = NO_LUN_PERIPHERAL;
      d[1] = cdb[2]!;
      return d;
    }
    return standardInquiry(null);
  }
}
