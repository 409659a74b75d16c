/**
 * SCSI operation codes and service actions by name (T10 SPC-4 / SBC-3), and the describer DCLI
 * and the fencing failure message use to name a CDB. The names cover more than the LUN supports:
 * a guest sends RESERVE, PERSISTENT RESERVE OUT, START STOP UNIT... and the lab must be able to
 * say which command was refused.
 */
export const Opcode = {
  TEST_UNIT_READY: 0x00,
  REZERO_UNIT: 0x01,
  REQUEST_SENSE: 0x03,
  FORMAT_UNIT: 0x04,
  READ_6: 0x08,
  WRITE_6: 0x0a,
  SEEK_6: 0x0b,
  INQUIRY: 0x12,
  MODE_SELECT_6: 0x15,
  RESERVE_6: 0x16,
  RELEASE_6: 0x17,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  RECEIVE_DIAGNOSTIC_RESULTS: 0x1c,
  SEND_DIAGNOSTIC: 0x1d,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_CAPACITY_10: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  WRITE_AND_VERIFY_10: 0x2e,
  VERIFY_10: 0x2f,
  SYNCHRONIZE_CACHE_10: 0x35,
  WRITE_BUFFER: 0x3b,
  READ_BUFFER: 0x3c,
  WRITE_SAME_10: 0x41,
  UNMAP: 0x42,
  LOG_SELECT: 0x4c,
  LOG_SENSE: 0x4d,
  MODE_SELECT_10: 0x55,
  RESERVE_10: 0x56,
  RELEASE_10: 0x57,
  MODE_SENSE_10: 0x5a,
  PERSISTENT_RESERVE_IN: 0x5e,
  PERSISTENT_RESERVE_OUT: 0x5f,
  VARIABLE_LENGTH: 0x7f,
  EXTENDED_COPY: 0x83,
  RECEIVE_COPY_RESULTS: 0x84,
  ATA_PASS_THROUGH_16: 0x85,
  READ_16: 0x88,
  COMPARE_AND_WRITE: 0x89,
  WRITE_16: 0x8a,
  WRITE_AND_VERIFY_16: 0x8e,
  VERIFY_16: 0x8f,
  SYNCHRONIZE_CACHE_16: 0x91,
  WRITE_SAME_16: 0x93,
  SERVICE_ACTION_IN_16: 0x9e,
  REPORT_LUNS: 0xa0,
  ATA_PASS_THROUGH_12: 0xa1,
  MAINTENANCE_IN: 0xa3,
  MAINTENANCE_OUT: 0xa4,
  READ_12: 0xa8,
  WRITE_12: 0xaa,
  VERIFY_12: 0xaf,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Service actions of SERVICE ACTION IN(16) (0x9E). */
export const ServiceActionIn16 = {
  READ_CAPACITY_16: 0x10,
  GET_LBA_STATUS: 0x12,
} as const;

/** Service actions of MAINTENANCE IN (0xA3). */
export const MaintenanceIn = {
  REPORT_IDENTIFYING_INFORMATION: 0x05,
  REPORT_TARGET_PORT_GROUPS: 0x0a,
  REPORT_SUPPORTED_OPERATION_CODES: 0x0c,
  REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS: 0x0d,
  REPORT_TIMESTAMP: 0x0f,
} as const;

/** Service actions of PERSISTENT RESERVE IN (0x5E). */
export const PersistentReserveIn = {
  READ_KEYS: 0x00,
  READ_RESERVATION: 0x01,
  REPORT_CAPABILITIES: 0x02,
  READ_FULL_STATUS: 0x03,
} as const;

/** Service actions of PERSISTENT RESERVE OUT (0x5F): what vxfen sends to register its keys. */
export const PersistentReserveOut = {
  REGISTER: 0x00,
  RESERVE: 0x01,
  RELEASE: 0x02,
  CLEAR: 0x03,
  PREEMPT: 0x04,
  PREEMPT_AND_ABORT: 0x05,
  REGISTER_AND_IGNORE_EXISTING_KEY: 0x06,
  REGISTER_AND_MOVE: 0x07,
} as const;

function humanName(constant: string): string {
  return constant.replace(/_(6|10|12|16)$/, '($1)').replace(/_/g, ' ');
}

function namesOf(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([k, v]) => [v, humanName(k)]));
}

const OPCODE_NAMES = namesOf(Opcode);
const SERVICE_ACTION_NAMES = new Map<number, Map<number, string>>([
  [Opcode.SERVICE_ACTION_IN_16, namesOf(ServiceActionIn16)],
  [Opcode.MAINTENANCE_IN, namesOf(MaintenanceIn)],
  [Opcode.PERSISTENT_RESERVE_IN, namesOf(PersistentReserveIn)],
  [Opcode.PERSISTENT_RESERVE_OUT, namesOf(PersistentReserveOut)],
]);

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** 'PERSISTENT RESERVE OUT' for 0x5F; 'opcode 0xC1' for a code with no name. */
export function opcodeName(op: number): string {
  return OPCODE_NAMES.get(op) ?? `opcode ${hex2(op & 0xff)}`;
}

/** Name of a service action of `op`, or undefined when `op` has none or the action has no name. */
export function serviceActionName(op: number, serviceAction: number): string | undefined {
  return SERVICE_ACTION_NAMES.get(op)?.get(serviceAction);
}

/** Whether `op` selects its command by the SERVICE ACTION field (CDB byte 1, bits 4-0). */
export function hasServiceActions(op: number): boolean {
  return SERVICE_ACTION_NAMES.has(op);
}

/**
 * One line naming a CDB: 'READ(10)', 'SERVICE ACTION IN(16) / READ CAPACITY(16)',
 * 'PERSISTENT RESERVE OUT / REGISTER', 'empty CDB'.
 */
export function describeCdb(cdb: Uint8Array): string {
  if (cdb.length === 0) return 'empty CDB';
  const op = cdb[0]!;
  const name = opcodeName(op);
  if (!hasServiceActions(op) || cdb.length < 2) return name;
  const sa = cdb[1]! & 0x1f;
  return `${name} / ${serviceActionName(op, sa) ?? `service action ${hex2(sa)}`}`;
}
