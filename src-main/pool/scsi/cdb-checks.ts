/**
 * The CDB checks every command gets once, before the single call into the command table: service
 * action, CDB length, CONTROL byte, reserved bits. A failed check is ILLEGAL REQUEST with the field
 * pointer set; nothing here throws anything but a CheckCondition.
 */
import { type CommandTableEntry, isServiceActionGroup, type ScsiCommand } from './command';
import { Asc, CheckCondition, invalidCdbField, ScsiSense } from './sense';

/**
 * CONTROL bits refused: reserved bits 5-3, NACA (bit 2: ACA is not supported) and the obsolete
 * LINK (bit 0: linked commands are not supported). Vendor bits 7-6 and obsolete bit 1 are ignored.
 */
const CONTROL_REFUSED = 0x3d;

function highestBit(bits: number): number {
  return 31 - Math.clz32(bits);
}

function shortCdb(): CheckCondition {
  // The opcode names a longer CDB than the initiator sent: the CDB as a whole is invalid.
  return new CheckCondition(ScsiSense.illegalRequest(Asc.INVALID_FIELD_IN_CDB, { byte: 0 }));
}

/** Resolves the service action and checks the CDB against the command's usage data. */
export function checkCdb(entry: CommandTableEntry, cdb: Uint8Array): ScsiCommand {
  let command: ScsiCommand;
  if (isServiceActionGroup(entry)) {
    if (cdb.length < entry.cdbLength) throw shortCdb();
    const found = entry.serviceActions.get(cdb[1]! & 0x1f);
    if (!found) throw invalidCdbField(1, 4);
    command = found;
  } else {
    command = entry;
  }
  const usage = command.usage;
  const length = usage.length;
  if (length === 0) return command;
  // A transport may carry a longer CDB (iSCSI always carries 16 bytes): the opcode says how long.
  if (cdb.length < length) throw shortCdb();
  const control = cdb[length - 1]! & CONTROL_REFUSED;
  if (control) throw invalidCdbField(length - 1, highestBit(control));
  for (let i = 1; i < length - 1; i++) {
    const reserved = cdb[i]! & ~usage[i]! & 0xff;
    if (reserved) throw invalidCdbField(i, highestBit(reserved));
  }
  return command;
}
