/**
 * A Xen host's Dom0 as the pool sees it: its xprtld, its VRTSat session, its volume client
 * (which reaches the volume server over xprtld), the SM routes (answered when this Dom0 holds
 * the volume server role) and the Dom0 end of the VSS hardware provider.
 */
import type { AuthBroker } from '../central/auth';
import { NodeSession } from '../central/node-session';
import type { Fabric } from '../net/fabric';
import { Xprtld } from '../net/xprtld';
import type { VolumeDataPath } from '../storage/volume-io';
import { HttpVolumeServerLink, mountSmRoutes } from './sm-routes';
import { VolumeClient } from './volume-client';
import type { VolumeServerRole } from './volume-server-role';
import { VssEndpoint, volumeServerStore } from './vss-endpoint';

export interface Dom0Options {
  hostId: string;
  fabric: Fabric;
  auth: AuthBroker;
  role: VolumeServerRole;
  /** The volume data path (the role's, wrapped by the pool's write audit). */
  dataPath: VolumeDataPath;
  authNow?: () => number;
  /** The guest's LUNs on this pool: NAA (lower-case hex) -> VDI, for the VSS endpoint's checks. */
  guestVolumes: (guestId: string) => ReadonlyArray<{ naa: string; vdiId: string }>;
}

export class Dom0 {
  readonly hostId: string;
  readonly xprtld: Xprtld;
  readonly session: NodeSession;
  readonly volumeClient: VolumeClient;
  readonly vss: VssEndpoint;

  private constructor(o: Dom0Options) {
    this.hostId = o.hostId;
    this.xprtld = new Xprtld({
      nodeId: o.hostId,
      authenticate: (t) => o.auth.authenticate(t),
      onInternalError: (e, where) => console.error(`xprtld ${o.hostId}: ${where}:`, e),
    });
    this.session = new NodeSession(o.auth, o.hostId, o.auth.registerNode(o.hostId, 'dom0'), o.authNow);
    const link = new HttpVolumeServerLink(o.fabric, this.session, () => o.role.hostId);
    this.volumeClient = new VolumeClient(o.hostId, link, o.dataPath);
    mountSmRoutes(this.xprtld, o.hostId, o.role);
    this.vss = new VssEndpoint({
      store: volumeServerStore(() => o.role.server),
      client: this.volumeClient,
      guestVolumes: o.guestVolumes,
    });
    this.vss.register(this.xprtld);
  }

  static async start(o: Dom0Options): Promise<Dom0> {
    const d = new Dom0(o);
    await d.xprtld.start();
    o.fabric.register({ id: o.hostId, kind: 'dom0', xprtld: d.xprtld });
    return d;
  }

  async stop(): Promise<void> {
    await this.xprtld.stop();
  }
}
