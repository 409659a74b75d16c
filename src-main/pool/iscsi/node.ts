/**
 * What the portal exports: iSCSI target nodes, each a name and the logical units behind it. A
 * node's units are a guest's own virtual HBA, so an initiator's commands take the same path as
 * the guest's own I/O (LUN layer, block ring, the volume client of the guest's host).
 */
import type { ExecuteOptions, ScsiResult } from '../scsi';

export interface IscsiLogicalUnits {
  execute(lun: number, cdb: Uint8Array, dataOut?: Buffer, opts?: ExecuteOptions): Promise<ScsiResult>;
  luns(): number[];
  get(lun: number): { reset(): void } | undefined;
}

export interface IscsiNode {
  /** The iSCSI name (IQN) of the target. */
  readonly name: string;
  readonly alias?: string;
  readonly units: IscsiLogicalUnits;
}

/** The nodes are looked up at every login and discovery, so a lab switch shows at once. */
export type IscsiNodeDirectory = () => readonly IscsiNode[];
