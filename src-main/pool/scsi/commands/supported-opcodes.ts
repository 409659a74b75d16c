/**
 * REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN, service action 0x0C). Every answer is read from
 * the command table itself, so the list cannot drift from what the LUN really executes.
 */
import { u16, u32 } from '../cdb';
import { type CommandTableEntry, isServiceActionGroup, type ScsiCommand } from '../command';
import { invalidCdbField } from '../sense';

const RCTD = 0x80;
const ReportingOptions = { ALL: 0, ONE_COMMAND: 1, ONE_SERVICE_ACTION: 2 } as const;
const Support = { NOT_SUPPORTED: 0x01, SUPPORTED: 0x03 } as const;
const TIMEOUTS_DESCRIPTOR_LENGTH = 12;

/** A command timeouts descriptor: the LUN states no nominal or recommended timeout (zeros). */
function timeoutsDescriptor(): Buffer {
  const d = Buffer.alloc(TIMEOUTS_DESCRIPTOR_LENGTH);
  d.writeUInt16BE(TIMEOUTS_DESCRIPTOR_LENGTH - 2, 0);
  return d;
}

function commandsOf(table: ReadonlyMap<number, CommandTableEntry>): ScsiCommand[] {
  const out: ScsiCommand[] = [];
  for (const op of [...table.keys()].sort((a, b) => a - b)) {
    const entry = table.get(op)!;
    if (isServiceActionGroup(entry)) {
      const actions = [...entry.serviceActions.keys()].sort((a, b) => a - b);
      for (const sa of actions) out.push(entry.serviceActions.get(sa)!);
    } else {
      out.push(entry);
    }
  }
  return out;
}

function allCommands(table: ReadonlyMap<number, CommandTableEntry>, timeouts: boolean): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  for (const c of commandsOf(table)) {
    const d = Buffer.alloc(8);
    d[0] = c.opcode;
    const servActV = c.serviceAction !== undefined;
    if (servActV) d.writeUInt16BE(c.serviceAction!, 2);
    d[5] = (timeouts ? 0x02 : 0) | (servActV ? 0x01 : 0); // CTDP, SERVACTV
    d.writeUInt16BE(c.usage.length, 6);
    parts.push(d);
    if (timeouts) parts.push(timeoutsDescriptor());
  }
  const out = Buffer.concat(parts);
  out.writeUInt32BE(out.length - 4, 0);
  return out;
}

function oneCommand(c: ScsiCommand | undefined, timeouts: boolean): Buffer {
  if (!c) {
    const d = Buffer.alloc(4);
    d[1] = Support.NOT_SUPPORTED;
    return d;
  }
  const d = Buffer.alloc(4 + c.usage.length);
  d[1] = (timeouts ? 0x80 : 0) | Support.SUPPORTED;
  d.writeUInt16BE(c.usage.length, 2);
  d.set(c.usage, 4);
  return timeouts ? Buffer.concat([d, timeoutsDescriptor()]) : d;
}

export function reportSupportedOperationCodes(
  table: ReadonlyMap<number, CommandTableEntry>,
  cdb: Uint8Array,
): Buffer {
  const timeouts = (cdb[2]! & RCTD) !== 0;
  const options = cdb[2]! & 0x07;
  const op = cdb[3]!;
  const sa = u16(cdb, 4);
  if (options === ReportingOptions.ALL) return allCommands(table, timeouts);
  const entry = table.get(op);
  if (options === ReportingOptions.ONE_COMMAND) {
    // An opcode with service actions must be asked about with one of them (reporting options 2).
    if (entry && isServiceActionGroup(entry)) throw invalidCdbField(2, 2);
    return oneCommand(entry, timeouts);
  }
  if (options === ReportingOptions.ONE_SERVICE_ACTION) {
    if (!entry) return oneCommand(undefined, timeouts);
    if (!isServiceActionGroup(entry)) throw invalidCdbField(2, 2);
    return oneCommand(entry.serviceActions.get(sa), timeouts);
  }
  throw invalidCdbField(2, 2);
}

export const reportSupportedOperationCodesAllocationLength = (cdb: Uint8Array): number => u32(cdb, 6);
