/**
 * Boots a lab for any front end (the Electron main process, browser mode, the headless command,
 * the tests): the lab manager, the one API service over it (mounted as HTTP on the central
 * server's xprtld), and an admin token for the caller to print.
 */

import type { AuthOptions } from '../pool/central/auth';
import type { ChapConfig } from '../pool/iscsi';
import type { LabSpec } from '../pool/lab';
import type { PoolClock } from '../pool/net/clock';
import { IscsiControl } from './iscsi-control';
import { defaultLabDir, LabManager } from './labs';
import { createApiService } from './service';
import type { ApiService } from './service-types';

export interface BootOptions {
  labDir?: string;
  port?: number;
  /** Start the lab's iSCSI target on 127.0.0.1:iscsiPort (0 = any free port); absent: none. */
  iscsiPort?: number;
  /** Require CHAP-MD5 of iSCSI initiators (secret of 12+ bytes); absent: no authentication. */
  iscsiChap?: ChapConfig;
  log?: (line: string) => void;
  /** Tests: a VirtualClock; default a ScaledClock at 1x. */
  clock?: PoolClock;
  /** Shape of a new lab (default: the demo pool). */
  spec?: LabSpec;
  auth?: AuthOptions;
}

export interface BootedLab {
  service: ApiService;
  apiUrl: string;
  adminToken: string;
  labDir: string;
  labs: LabManager;
  /** `127.0.0.1:<port>` of the iSCSI target when one was started. */
  iscsiAddress?: string;
  close(): Promise<void>;
}

export async function bootLab(o: BootOptions = {}): Promise<BootedLab> {
  const log = o.log ?? (() => undefined);
  let service: ApiService | undefined;
  // The service is mounted on each pool's central xprtld; it exists before the first pool opens.
  const api: ApiService = {
    call: (op, input, caller) => service!.call(op, input, caller),
    subscribe: (l) => service!.subscribe(l),
    verifyToken: (t) => service!.verifyToken(t),
  };
  const labs = new LabManager({ clock: o.clock, spec: o.spec, api, port: o.port, log, auth: o.auth });
  const iscsi = new IscsiControl(labs, { chap: o.iscsiChap, log });
  service = createApiService(labs, iscsi);
  const labDir = o.labDir ?? defaultLabDir();
  await labs.open(labDir, true);
  if (o.iscsiPort !== undefined) {
    try {
      await iscsi.enable(o.iscsiPort);
    } catch (e) {
      await labs.close();
      throw e;
    }
  }
  const pool = labs.current();
  const admin = pool.central.auth.issueUserToken('admin');
  return {
    service,
    apiUrl: pool.central.xprtld.url,
    adminToken: admin.token,
    labDir: pool.labDir,
    labs,
    iscsiAddress: iscsi.state().address ?? undefined,
    close: async () => {
      await iscsi.disable();
      await labs.close();
    },
  };
}
