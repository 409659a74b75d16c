/**
 * The pool's guests as iSCSI targets: one target node per guest with VBDs, named
 * `iqn.2026-11.lab.xdc:<poolId>:<guestId>`, its LUNs numbered as the guest sees them, and every
 * command executed by the guest's own virtual HBA (vm.hba) — the same LUN layer, block ring and
 * volume client as the guest's own I/O, so a volume the serving host does not own answers NOT
 * READY (04/0B), never stale data, and reservations are refused exactly as in the guest.
 */
import type { GuestVm } from '../guest-vm';
import type { ChapConfig } from './chap';
import type { IscsiNode } from './node';
import { IscsiPortal } from './portal';

export const IQN_PREFIX = 'iqn.2026-11.lab.xdc';

/** iSCSI names are lower case, from a-z 0-9 . - : (RFC 3722 stringprep, kept to ASCII here). */
function iqnPart(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

export function iqnFor(poolId: string, guestId: string): string {
  return `${IQN_PREFIX}:${iqnPart(poolId)}:${iqnPart(guestId)}`;
}

/** What the export needs of a pool: its id and its guests. */
export interface ExportedPool {
  readonly spec: { readonly poolId: string };
  readonly guests: ReadonlyMap<string, GuestVm>;
}

/** The target nodes of `pool`, in guest order; guests without VBDs export nothing. */
export function poolIscsiNodes(pool: ExportedPool): IscsiNode[] {
  const out: IscsiNode[] = [];
  for (const vm of pool.guests.values()) {
    if (vm.vbds.length === 0) continue;
    out.push({ name: iqnFor(pool.spec.poolId, vm.id), alias: vm.spec.name, units: vm.hba });
  }
  return out;
}

export interface PoolIscsiOptions {
  /** The pool to export now (a lab switch changes it; see `IscsiPortal.dropSessions`). */
  pool: () => ExportedPool;
  port?: number;
  chap?: ChapConfig;
  log?: (line: string) => void;
}

/**
 * Starts the iSCSI target for a lab. Node objects are cached per guest so a session keeps its
 * node across logins of other initiators; a new pool (another lab) gets new nodes.
 */
export async function startPoolIscsiTarget(o: PoolIscsiOptions): Promise<IscsiPortal> {
  let cachedFor: ExportedPool | null = null;
  let cached: IscsiNode[] = [];
  const nodes = () => {
    const pool = o.pool();
    if (pool !== cachedFor) {
      cachedFor = pool;
      cached = poolIscsiNodes(pool);
    }
    return cached;
  };
  return IscsiPortal.start({ nodes, port: o.port, chap: o.chap, log: o.log });
}
