/**
 * The one place where a storage failure becomes sense data. Backends throw XdcError (or anything:
 * it is wrapped first); the guest only ever sees a sense key and ASC/ASCQ.
 *
 * ERR_HOST_DOWN / ERR_NODE_UNREACHABLE map to NOT READY 04/01 (becoming ready), not 04/0C (target
 * port unavailable): in XDC the condition is transient (the volume server role and volume ownership
 * move to a live Dom0), 04/01 is what initiators retry after a delay (Linux sd, Windows disk.sys),
 * while 04/0C tells a multipath initiator this path is dead, and a guest has only the one path.
 */
import { asXdcError } from '../errors';
import { Asc, ScsiSense } from './sense';

export type MediumDirection = 'read' | 'write';

/**
 * Sense for an error thrown by the backend (or by anything under the command table).
 * `medium`: whether the command was reading or writing the medium; `lba`: its starting LBA.
 */
export function senseForBackendError(e: unknown, medium: MediumDirection | undefined, lba?: number): Buffer {
  const err = asXdcError(e);
  switch (err.code) {
    case 'ERR_NOT_OWNER':
      return ScsiSense.notReady(Asc.LUN_NOT_ACCESSIBLE_STANDBY);
    case 'ERR_HOST_DOWN':
    case 'ERR_NODE_UNREACHABLE':
      return ScsiSense.notReady(Asc.LUN_NOT_READY_BECOMING_READY);
    case 'ERR_IO': {
      const failed = typeof err.detail?.lba === 'number' ? err.detail.lba : lba;
      return medium === 'write'
        ? ScsiSense.mediumError(Asc.WRITE_ERROR, failed)
        : ScsiSense.mediumError(Asc.UNRECOVERED_READ_ERROR, failed);
    }
    case 'ERR_NO_SPACE':
      return ScsiSense.dataProtect(Asc.SPACE_ALLOCATION_FAILED_WRITE_PROTECT);
    default:
      return ScsiSense.hardwareError(Asc.INTERNAL_TARGET_FAILURE);
  }
}
