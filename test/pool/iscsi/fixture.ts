/** A demo pool on a VirtualClock with its iSCSI target on a free 127.0.0.1 port. */
import type { ChapConfig } from '../../../src-main/pool/iscsi';
import { type IscsiPortal, iqnFor, startPoolIscsiTarget } from '../../../src-main/pool/iscsi';
import { openTestPool, type TestPool } from '../../support/pool-fixture';
import { cdb, TestInitiator } from './initiator';

export interface IscsiLab {
  t: TestPool;
  portal: IscsiPortal;
  port: number;
  iqn(guestId: string): string;
  /** A logged-in initiator on `guestId`'s target whose LUN `lun` has no unit attention pending. */
  session(guestId: string, keys?: Record<string, string>, lun?: number): Promise<TestInitiator>;
  log: string[];
  close(): Promise<void>;
}

export async function openIscsiLab(o: { chap?: ChapConfig } = {}): Promise<IscsiLab> {
  const t = await openTestPool();
  const log: string[] = [];
  const portal = await startPoolIscsiTarget({
    pool: () => t.pool,
    port: 0,
    chap: o.chap,
    log: (l) => log.push(l),
  });
  const initiators: TestInitiator[] = [];
  const lab: IscsiLab = {
    t,
    portal,
    port: portal.port,
    log,
    iqn: (g) => iqnFor(t.pool.spec.poolId, g),
    async session(guestId, keys, lun = 0) {
      const i = await TestInitiator.connect(portal.port);
      initiators.push(i);
      const r = await i.login({ target: lab.iqn(guestId), keys });
      if (r.status !== 0) throw new Error(`login failed with status 0x${r.status.toString(16)}`);
      // Clear a pending POWER ON / REPORTED LUNS CHANGED unit attention.
      for (let n = 0; n < 4; n++) if ((await i.scsi(lun, cdb.testUnitReady())).status === 0) break;
      return i;
    },
    async close() {
      for (const i of initiators) i.close();
      await portal.close();
      await t.close();
    },
  };
  return lab;
}
