/** TEST UNIT READY and REQUEST SENSE: the commands that ask the LUN how it is. */
import type { CommandRun } from '../command';
import { NO_DATA } from '../command';
import { invalidCdbField } from '../sense';

/** Reaching the table means the shared checks found no pending condition: the unit is ready. */
export const testUnitReady: CommandRun = () => NO_DATA;

/** Fixed format only: DESC=1 is refused, as SPC-4 requires of a server without descriptor sense. */
export const requestSense: CommandRun = (unit, cdb) => {
  if (cdb[1]! & 0x01) throw invalidCdbField(1, 0);
  return unit.takeSense();
};

export const requestSenseAllocationLength = (cdb: Uint8Array): number => cdb[4]!;
