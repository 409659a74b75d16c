/**
 * REPORT LUNS: the target's LUN inventory in 8-byte single-level LUN entries (peripheral device
 * addressing below 256, flat space addressing up to 16383). Answered for any LUN number, present
 * or not, because an initiator asks LUN 0 whether or not LUN 0 exists.
 */
import { u32 } from '../cdb';
import type { CommandRun } from '../command';
import { Asc, invalidCdbField } from '../sense';

export const MAX_LUN = 16383;

const SelectReport = { ALL_LOGICAL_UNITS: 0x00, WELL_KNOWN_ONLY: 0x01, ALL_WITH_WELL_KNOWN: 0x02 } as const;

/** The 8-byte single-level LUN structure (SAM-5) for `lun`. */
export function encodeLun(lun: number): Buffer {
  const e = Buffer.alloc(8);
  if (lun < 256) {
    e[1] = lun; // peripheral device addressing, bus 0
  } else {
    e[0] = 0x40 | ((lun >> 8) & 0x3f); // flat space addressing
    e[1] = lun & 0xff;
  }
  return e;
}

export const reportLunsAllocationLength = (cdb: Uint8Array): number => u32(cdb, 6);

/** REPORT LUNS parameter data for `luns`, after checking the CDB. */
export function reportLunsData(cdb: Uint8Array, luns: readonly number[]): Buffer {
  const select = cdb[2]!;
  if (select > SelectReport.ALL_WITH_WELL_KNOWN) throw invalidCdbField(2);
  // SPC-4: an ALLOCATION LENGTH below 16 is an error, not a truncation.
  if (reportLunsAllocationLength(cdb) < 16) throw invalidCdbField(6);
  // There are no well-known logical units: SELECT REPORT 01h reports an empty list.
  const listed = select === SelectReport.WELL_KNOWN_ONLY ? [] : [...luns].sort((a, b) => a - b);
  const d = Buffer.alloc(8 + 8 * listed.length);
  d.writeUInt32BE(8 * listed.length, 0);
  listed.forEach((lun, i) => {
    encodeLun(lun).copy(d, 8 + 8 * i);
  });
  return d;
}

export const reportLuns: CommandRun = (unit, cdb) => {
  const data = reportLunsData(cdb, unit.reportedLuns());
  unit.clearUnitAttention(Asc.REPORTED_LUNS_DATA_HAS_CHANGED);
  return data;
};
