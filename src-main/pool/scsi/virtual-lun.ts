/**
 * A virtual LUN: the VBD as the guest sees it, one VDI behind one SCSI logical unit. It owns the
 * per-LUN state SPC asks for: the last sense data (for REQUEST SENSE) and the pending UNIT
 * ATTENTION conditions. execute() runs the shared checks once, then makes the single call into the
 * command table, and turns every failure into CHECK CONDITION: it never throws.
 *
 * Unit attentions:
 * - POWER ON, RESET (29/00) is pending when the LUN is created (as a disk that has just appeared
 *   on a bus) unless `powerOnAttention: false`, and again after reset(). An initiator clears it the
 *   usual way: TEST UNIT READY (or any command but INQUIRY / REPORT LUNS) gets it once, or REQUEST
 *   SENSE returns it.
 * - CAPACITY DATA HAS CHANGED (2A/09) is raised once when the backend's capacity differs from the
 *   one seen before (vdi_resize).
 * - REPORTED LUNS DATA HAS CHANGED (3F/0E) is raised by the ScsiTarget when LUNs come and go, and
 *   cleared by REPORT LUNS.
 *
 * Sense is kept as in SCSI-2 contingent allegiance: the sense of a CHECK CONDITION stays available
 * to REQUEST SENSE until the next command; a GOOD command clears it.
 */

import type { LunBackend } from './backend';
import { senseForBackendError } from './backend-errors';
import { cdbLba } from './cdb';
import { checkCdb } from './cdb-checks';
import type { ExecuteOptions, LogicalUnit, ScsiCommand, ScsiResult } from './command';
import { commandFor } from './command-table';
import { checkConditionResult, goodResult } from './result';
import { Asc, CheckCondition, ScsiSense } from './sense';

export interface VirtualLunOptions {
  /** Report POWER ON, RESET (29/00) once after creation. Default true. */
  powerOnAttention?: boolean;
}

export class VirtualLun implements LogicalUnit {
  capacity = 0;
  private lastSense: Buffer | null = null;
  private readonly pendingAttentions: number[] = [];
  private knownCapacity: number;
  private inventory: () => readonly number[] = () => [0];

  constructor(
    readonly backend: LunBackend,
    options: VirtualLunOptions = {},
  ) {
    this.knownCapacity = safeCapacity(backend);
    if (options.powerOnAttention ?? true) this.raiseUnitAttention(Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET);
  }

  /** Runs one CDB. Never throws: every failure is a CHECK CONDITION with fixed-format sense. */
  async execute(cdb: Uint8Array, dataOut?: Buffer, opts?: ExecuteOptions): Promise<ScsiResult> {
    let command: ScsiCommand | undefined;
    try {
      const entry = commandFor(cdb);
      try {
        this.noticeCapacity();
      } catch (e) {
        // INQUIRY, REPORT LUNS and REQUEST SENSE answer even when the storage cannot be reached.
        if (!entry.passesUnitAttention) throw e;
      }
      if (!entry.passesUnitAttention && this.pendingAttentions.length > 0) {
        throw new CheckCondition(ScsiSense.unitAttention(this.pendingAttentions.shift()!));
      }
      command = checkCdb(entry, cdb);
      const out = command.run(this, cdb, dataOut, opts?.dataIn);
      const data = out instanceof Promise ? await out : out;
      if (!command.readsSense) this.lastSense = null;
      return goodResult(command, cdb, data, opts);
    } catch (e) {
      const sense =
        e instanceof CheckCondition
          ? e.sense
          : senseForBackendError(e, command?.medium, command?.medium ? cdbLba(cdb) : undefined);
      this.lastSense = sense;
      return checkConditionResult(sense, opts);
    }
  }

  /** Queues a UNIT ATTENTION condition (once: a condition already pending is not queued again). */
  raiseUnitAttention(code: number): void {
    if (code === Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET) {
      // A reset supersedes every condition it would have reported.
      this.pendingAttentions.length = 0;
    }
    if (!this.pendingAttentions.includes(code)) this.pendingAttentions.push(code);
  }

  clearUnitAttention(code: number): void {
    const at = this.pendingAttentions.indexOf(code);
    if (at >= 0) this.pendingAttentions.splice(at, 1);
  }

  /** A logical unit reset: sense is discarded and POWER ON, RESET is reported next. */
  reset(): void {
    this.lastSense = null;
    this.raiseUnitAttention(Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET);
  }

  /** The ScsiTarget this LUN is attached to tells it where its LUN inventory comes from. */
  reportInventoryFrom(inventory: () => readonly number[]): void {
    this.inventory = inventory;
  }

  reportedLuns(): readonly number[] {
    return this.inventory();
  }

  takeSense(): Buffer {
    const sense = this.lastSense ?? this.takeAttention() ?? ScsiSense.noSense();
    this.lastSense = null;
    return Buffer.from(sense);
  }

  private takeAttention(): Buffer | null {
    const code = this.pendingAttentions.shift();
    return code === undefined ? null : ScsiSense.unitAttention(code);
  }

  private noticeCapacity(): void {
    const capacity = this.backend.capacityBlocks();
    if (capacity !== this.knownCapacity) {
      this.knownCapacity = capacity;
      this.raiseUnitAttention(Asc.CAPACITY_DATA_HAS_CHANGED);
    }
    this.capacity = capacity;
  }
}

function safeCapacity(backend: LunBackend): number {
  try {
    return backend.capacityBlocks();
  } catch {
    return 0;
  }
}
