/**
 * The SCSI LUN layer (VBD): what the rest of the pool imports. A guest's HBA is a ScsiTarget of
 * VirtualLuns; each VirtualLun executes real CDBs against a LunBackend (the volume client).
 */
export {
  LUN_PRODUCT,
  LUN_REVISION,
  LUN_VENDOR,
  type LunBackend,
  type LunIdentity,
  lunIdentityFor,
} from './backend';
export { senseForBackendError } from './backend-errors';
export type { ExecuteOptions, ScsiResult } from './command';
export { COMMAND_TABLE } from './command-table';
export { MAX_TRANSFER_BLOCKS, VpdPage } from './commands/inquiry';
export { ModePage } from './commands/mode-sense';
export {
  describeCdb,
  MaintenanceIn,
  Opcode,
  opcodeName,
  PersistentReserveIn,
  PersistentReserveOut,
  ServiceActionIn16,
  serviceActionName,
} from './opcodes';
export { ScsiTarget } from './scsi-target';
export { Asc, type AscCode, type FieldPointer, ScsiSense, ScsiStatus, SenseKey } from './sense';
export {
  ascText,
  type DecodedSense,
  decodeSense,
  describeSense,
  senseKeyName,
  statusName,
} from './sense-decode';
export { VirtualLun, type VirtualLunOptions } from './virtual-lun';
