/**
 * THE command table of a virtual LUN, keyed by named opcode constants (QEMU scsi-disk style), with
 * service actions in sub-tables (tgt style) and one fallback for everything else. RESERVE/RELEASE
 * and PERSISTENT RESERVE IN/OUT are not here: they end in the fallback's ILLEGAL REQUEST, INVALID
 * COMMAND OPERATION CODE like any unknown opcode, which is why vxfen cannot run in a guest.
 *
 * Each entry's `usage` is its CDB usage data: REPORT SUPPORTED OPERATION CODES reports it, and the
 * shared checks reject any bit set outside it as a reserved field.
 */
import type { CommandRun, CommandTableEntry, ScsiCommand, ServiceActionGroup } from './command';
import {
  read6,
  read10,
  read16,
  synchronizeCache10,
  synchronizeCache16,
  write6,
  write10,
  write16,
} from './commands/block-io';
import { readCapacity10, readCapacity16, readCapacity16AllocationLength } from './commands/capacity';
import { inquiry, inquiryAllocationLength } from './commands/inquiry';
import {
  modeSense6,
  modeSense6AllocationLength,
  modeSense10,
  modeSense10AllocationLength,
} from './commands/mode-sense';
import { reportLuns, reportLunsAllocationLength } from './commands/report-luns';
import { requestSense, requestSenseAllocationLength, testUnitReady } from './commands/status';
import {
  reportSupportedOperationCodes,
  reportSupportedOperationCodesAllocationLength,
} from './commands/supported-opcodes';
import { MaintenanceIn, Opcode, ServiceActionIn16 } from './opcodes';
import { Asc, CheckCondition, ScsiSense } from './sense';

/** CONTROL byte usage: NACA is the only bit read (and refused when set). */
const CTL = 0x04;

type Spec = Omit<ScsiCommand, 'opcode' | 'usage' | 'serviceAction'> & { usage: number[] };

function command(opcode: number, spec: Spec, serviceAction?: number): ScsiCommand {
  return { ...spec, opcode, serviceAction, usage: Uint8Array.from([opcode, ...spec.usage]) };
}

function group(
  opcode: number,
  name: string,
  cdbLength: number,
  actions: [number, Spec][],
): ServiceActionGroup {
  return {
    opcode,
    name,
    cdbLength,
    serviceActions: new Map(actions.map(([sa, spec]) => [sa, command(opcode, spec, sa)])),
  };
}

const F4 = [0xff, 0xff, 0xff, 0xff];
const F8 = [...F4, ...F4];

const entries: [number, CommandTableEntry][] = [
  [
    Opcode.TEST_UNIT_READY,
    command(Opcode.TEST_UNIT_READY, {
      name: 'TEST UNIT READY',
      usage: [0, 0, 0, 0, CTL],
      run: testUnitReady,
    }),
  ],
  [
    Opcode.REQUEST_SENSE,
    command(Opcode.REQUEST_SENSE, {
      name: 'REQUEST SENSE',
      usage: [0x01, 0, 0, 0xff, CTL],
      run: requestSense,
      allocationLength: requestSenseAllocationLength,
      passesUnitAttention: true,
      readsSense: true,
    }),
  ],
  [
    Opcode.READ_6,
    command(Opcode.READ_6, {
      name: 'READ(6)',
      usage: [0x1f, 0xff, 0xff, 0xff, CTL],
      run: read6,
      medium: 'read',
    }),
  ],
  [
    Opcode.WRITE_6,
    command(Opcode.WRITE_6, {
      name: 'WRITE(6)',
      usage: [0x1f, 0xff, 0xff, 0xff, CTL],
      run: write6,
      medium: 'write',
    }),
  ],
  [
    Opcode.INQUIRY,
    command(Opcode.INQUIRY, {
      name: 'INQUIRY',
      usage: [0x01, 0xff, 0xff, 0xff, CTL],
      run: inquiry,
      allocationLength: inquiryAllocationLength,
      passesUnitAttention: true,
    }),
  ],
  [
    Opcode.MODE_SENSE_6,
    command(Opcode.MODE_SENSE_6, {
      name: 'MODE SENSE(6)',
      usage: [0x08, 0xff, 0xff, 0xff, CTL],
      run: modeSense6,
      allocationLength: modeSense6AllocationLength,
    }),
  ],
  [
    Opcode.READ_CAPACITY_10,
    command(Opcode.READ_CAPACITY_10, {
      name: 'READ CAPACITY(10)',
      usage: [0, ...F4, 0, 0, 0x01, CTL],
      run: readCapacity10,
    }),
  ],
  [
    Opcode.READ_10,
    command(Opcode.READ_10, {
      name: 'READ(10)',
      usage: [0xfe, ...F4, 0x1f, 0xff, 0xff, CTL],
      run: read10,
      medium: 'read',
    }),
  ],
  [
    Opcode.WRITE_10,
    command(Opcode.WRITE_10, {
      name: 'WRITE(10)',
      usage: [0xfa, ...F4, 0x1f, 0xff, 0xff, CTL],
      run: write10,
      medium: 'write',
    }),
  ],
  [
    Opcode.SYNCHRONIZE_CACHE_10,
    command(Opcode.SYNCHRONIZE_CACHE_10, {
      name: 'SYNCHRONIZE CACHE(10)',
      usage: [0x06, ...F4, 0x1f, 0xff, 0xff, CTL],
      run: synchronizeCache10,
      medium: 'write',
    }),
  ],
  [
    Opcode.MODE_SENSE_10,
    command(Opcode.MODE_SENSE_10, {
      name: 'MODE SENSE(10)',
      usage: [0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, CTL],
      run: modeSense10,
      allocationLength: modeSense10AllocationLength,
    }),
  ],
  [
    Opcode.READ_16,
    command(Opcode.READ_16, {
      name: 'READ(16)',
      usage: [0xfe, ...F8, ...F4, 0x1f, CTL],
      run: read16,
      medium: 'read',
    }),
  ],
  [
    Opcode.WRITE_16,
    command(Opcode.WRITE_16, {
      name: 'WRITE(16)',
      usage: [0xfa, ...F8, ...F4, 0x1f, CTL],
      run: write16,
      medium: 'write',
    }),
  ],
  [
    Opcode.SYNCHRONIZE_CACHE_16,
    command(Opcode.SYNCHRONIZE_CACHE_16, {
      name: 'SYNCHRONIZE CACHE(16)',
      usage: [0x06, ...F8, ...F4, 0x1f, CTL],
      run: synchronizeCache16,
      medium: 'write',
    }),
  ],
  [
    Opcode.SERVICE_ACTION_IN_16,
    group(Opcode.SERVICE_ACTION_IN_16, 'SERVICE ACTION IN(16)', 16, [
      [
        ServiceActionIn16.READ_CAPACITY_16,
        {
          name: 'READ CAPACITY(16)',
          usage: [0x1f, ...F8, ...F4, 0x01, CTL],
          run: readCapacity16,
          allocationLength: readCapacity16AllocationLength,
        },
      ],
    ]),
  ],
  [
    Opcode.REPORT_LUNS,
    command(Opcode.REPORT_LUNS, {
      name: 'REPORT LUNS',
      usage: [0, 0xff, 0, 0, 0, ...F4, 0, CTL],
      run: reportLuns,
      allocationLength: reportLunsAllocationLength,
      passesUnitAttention: true,
    }),
  ],
  [
    Opcode.MAINTENANCE_IN,
    group(Opcode.MAINTENANCE_IN, 'MAINTENANCE IN', 12, [
      [
        MaintenanceIn.REPORT_SUPPORTED_OPERATION_CODES,
        {
          name: 'REPORT SUPPORTED OPERATION CODES',
          usage: [0x1f, 0x87, 0xff, 0xff, 0xff, ...F4, 0, CTL],
          run: (_unit, cdb) => reportSupportedOperationCodes(COMMAND_TABLE, cdb),
          allocationLength: reportSupportedOperationCodesAllocationLength,
        },
      ],
    ]),
  ],
];

export const COMMAND_TABLE: ReadonlyMap<number, CommandTableEntry> = new Map(entries);

const refuse: CommandRun = () => {
  throw new CheckCondition(ScsiSense.illegalRequest(Asc.INVALID_COMMAND_OPERATION_CODE));
};

/**
 * The fallback for every opcode not in the table. Its CDB format is unknown (empty usage), so the
 * shared CDB checks have nothing to check and it ends in ILLEGAL REQUEST 20/00.
 */
export const UNSUPPORTED_COMMAND: ScsiCommand = {
  opcode: -1,
  name: 'unsupported command',
  usage: new Uint8Array(0),
  run: refuse,
};

export function commandFor(cdb: Uint8Array): CommandTableEntry {
  return (cdb.length > 0 && COMMAND_TABLE.get(cdb[0]!)) || UNSUPPORTED_COMMAND;
}
