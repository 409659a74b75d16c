/**
 * The lab's iSCSI target (RFC 7143): exports each guest's VBDs as one target node on
 * 127.0.0.1, through the guest's own SCSI LUN layer.
 */
export { type ChapConfig, chapResponse } from './chap';
export { crc32c } from './crc32c';
export type { IscsiLogicalUnits, IscsiNode, IscsiNodeDirectory } from './node';
export {
  IQN_PREFIX,
  iqnFor,
  type PoolIscsiOptions,
  poolIscsiNodes,
  startPoolIscsiTarget,
} from './pool-export';
export {
  DEFAULT_ISCSI_PORT,
  ISCSI_HOST,
  IscsiPortal,
  type IscsiPortalOptions,
  type IscsiSessionInfo,
} from './portal';
