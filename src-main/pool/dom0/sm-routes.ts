/**
 * The storage manager API over xprtld: every Dom0's xprtld answers the SM routes, and the one
 * that holds the volume server role runs them; the others answer that they are not the volume
 * server (and who is), as a Dom0 would after a takeover. Volume clients reach the volume server
 * only this way (`HttpVolumeServerLink`), so a partitioned or crashed volume server host shows up
 * as what it is: a request nobody answers.
 */
import { z } from 'zod';
import { XdcError } from '../errors';
import type { Fabric, NodeCredentials } from '../net/fabric';
import type { Xprtld } from '../net/xprtld';
import type { VolumeServerLink } from './volume-client';
import type { VolumeServer } from './volume-server';
import type { VolumeServerRole } from './volume-server-role';

const OwnershipBody = z.object({ vdiId: z.string().min(1).max(128), hostId: z.string().min(1).max(64) });

export const SM_OPS = ['vdi_attach', 'vdi_detach', 'vdi_activate', 'vdi_deactivate'] as const;
export type SmOwnershipOp = (typeof SM_OPS)[number];

const run: Record<SmOwnershipOp, (vs: VolumeServer, vdiId: string, hostId: string) => Promise<void>> = {
  vdi_attach: (vs, v, h) => vs.vdiAttach(v, h),
  vdi_detach: (vs, v, h) => vs.vdiDetach(v, h),
  vdi_activate: (vs, v, h) => vs.vdiActivate(v, h),
  vdi_deactivate: (vs, v, h) => vs.vdiDeactivate(v, h),
};

/** Registers the SM routes on a Dom0's xprtld. */
export function mountSmRoutes(xprtld: Xprtld, hostId: string, role: VolumeServerRole): void {
  for (const op of SM_OPS) {
    xprtld.route(
      'POST',
      `/xdc/v1/sm/${op}`,
      async (ctx) => {
        const body = OwnershipBody.safeParse(ctx.body);
        if (!body.success) throw new XdcError('ERR_VALIDATION', `${op} needs {vdiId, hostId}`);
        if (role.vacant || role.hostId !== hostId) {
          throw new XdcError(
            'ERR_CONFLICT',
            `host ${hostId} is not the volume server (the role is on ${role.hostId})`,
            {
              volumeServer: role.hostId,
            },
          );
        }
        await run[op](role.server, body.data.vdiId, body.data.hostId);
        return { ok: true };
      },
      { role: 'node' },
    );
  }
}

/**
 * A volume client's link to the volume server through xprtld. It asks whichever Dom0 holds the
 * role now; when that Dom0 says the role moved (a takeover), it asks the new one once.
 */
export class HttpVolumeServerLink implements VolumeServerLink {
  constructor(
    private readonly fabric: Fabric,
    private readonly credentials: NodeCredentials,
    private readonly volumeServerHost: () => string,
    private readonly timeoutMs = 5000,
  ) {}

  attach(vdiId: string, hostId: string): Promise<void> {
    return this.call('vdi_attach', vdiId, hostId);
  }

  detach(vdiId: string, hostId: string): Promise<void> {
    return this.call('vdi_detach', vdiId, hostId);
  }

  activate(vdiId: string, hostId: string): Promise<void> {
    return this.call('vdi_activate', vdiId, hostId);
  }

  deactivate(vdiId: string, hostId: string): Promise<void> {
    return this.call('vdi_deactivate', vdiId, hostId);
  }

  private async call(op: SmOwnershipOp, vdiId: string, hostId: string): Promise<void> {
    const target = this.volumeServerHost();
    try {
      await this.fabric.call(
        this.credentials,
        target,
        'POST',
        `/xdc/v1/sm/${op}`,
        { vdiId, hostId },
        { timeoutMs: this.timeoutMs },
      );
    } catch (e) {
      // The detail does not cross the wire; the sentence does.
      const moved =
        e instanceof XdcError && e.code === 'ERR_CONFLICT' && e.message.includes('is not the volume server');
      const now = this.volumeServerHost();
      if (!moved || now === target) throw e;
      await this.fabric.call(
        this.credentials,
        now,
        'POST',
        `/xdc/v1/sm/${op}`,
        { vdiId, hostId },
        { timeoutMs: this.timeoutMs },
      );
    }
  }
}
