/**
 * A guest VM (a managed host) as the pool runs it: its placement (which Dom0), its run state,
 * its VBDs — one block ring per VDI into the Dom0's volume client, each seen inside as a SCSI
 * LUN on the guest's virtual HBA — its xprtld and VRTSat session, and the managed-host software
 * inside (agentlets, reporter, DCLI, VSS, scheduler).
 */
import type { AuthBroker } from './central/auth';
import { NodeSession } from './central/node-session';
import { BlockRing } from './dom0/blkring';
import type { Dom0 } from './dom0/dom0';
import { ManagedHost } from './guest/managed-host';
import type { GuestSpec } from './lab';
import type { PoolClock } from './net/clock';
import type { Fabric } from './net/fabric';
import { Xprtld } from './net/xprtld';
import { type LunIdentity, lunIdentityFor, ScsiTarget, VirtualLun } from './scsi';

export type GuestRunState = 'running' | 'stopped' | 'crashed' | 'migrating';

export interface GuestVmOptions {
  spec: GuestSpec;
  poolId: string;
  clock: PoolClock;
  fabric: Fabric;
  auth: AuthBroker;
  authNow?: () => number;
  centralNodeId: string;
  host: Dom0;
}

export interface Vbd {
  lun: number;
  vdiId: string;
  identity: LunIdentity;
  ring: BlockRing;
}

export class GuestVm {
  readonly id: string;
  readonly spec: GuestSpec;
  readonly xprtld: Xprtld;
  readonly session: NodeSession;
  readonly hba = new ScsiTarget();
  readonly vbds: Vbd[];
  readonly managed: ManagedHost;
  state: GuestRunState = 'stopped';
  private currentHost: Dom0;

  private constructor(private readonly o: GuestVmOptions) {
    this.id = o.spec.id;
    this.spec = o.spec;
    this.currentHost = o.host;
    this.xprtld = new Xprtld({
      nodeId: o.spec.id,
      authenticate: (t) => o.auth.authenticate(t),
      onInternalError: (e, where) => console.error(`xprtld ${o.spec.id}: ${where}:`, e),
    });
    this.session = new NodeSession(o.auth, o.spec.id, o.auth.registerNode(o.spec.id, 'guest'), o.authNow);
    this.vbds = o.spec.vbds.map((v) => {
      const identity = lunIdentityFor(o.poolId, v.vdiId);
      const ring = new BlockRing(v.vdiId, identity, o.host.volumeClient);
      this.hba.attach(v.lun, new VirtualLun(ring));
      return { lun: v.lun, vdiId: v.vdiId, identity, ring };
    });
    this.managed = new ManagedHost({
      spec: o.spec,
      poolId: o.poolId,
      clock: o.clock,
      fabric: o.fabric,
      xprtld: this.xprtld,
      credentials: this.session,
      scsi: this.hba,
      centralNodeId: o.centralNodeId,
      hostNodeId: () => this.currentHost.hostId,
    });
  }

  static async create(o: GuestVmOptions): Promise<GuestVm> {
    const vm = GuestVm.prepare(o);
    await vm.start();
    return vm;
  }

  /**
   * The synchronous half of create (the guest's VRTSat registration and its parts): a pool
   * prepares all its guests in ONE database transaction, not one fsync'd commit per guest.
   */
  static prepare(o: GuestVmOptions): GuestVm {
    return new GuestVm(o);
  }

  /** The other half: its xprtld listens and the fabric knows it. */
  async start(): Promise<void> {
    await this.xprtld.start();
    this.o.fabric.register({
      id: this.o.spec.id,
      kind: 'guest',
      hostId: this.o.host.hostId,
      xprtld: this.xprtld,
    });
  }

  get host(): Dom0 {
    return this.currentHost;
  }

  get hostId(): string {
    return this.currentHost.hostId;
  }

  /** NAA (lower-case hex) -> VDI of each of the guest's LUNs, as Dom0 attached them. */
  volumes(): Array<{ naa: string; vdiId: string }> {
    return this.vbds.map((v) => ({ naa: v.identity.naa.toString('hex'), vdiId: v.vdiId }));
  }

  /**
   * Boots the guest on its current host: the host's volume client takes ownership of each of
   * the guest's volumes (vdi_attach + vdi_activate through the volume server), then the managed
   * host software starts.
   */
  async boot(): Promise<void> {
    for (const v of this.vbds) await this.currentHost.volumeClient.acquire(v.vdiId);
    for (const v of this.vbds) v.ring.reconnect(this.currentHost.volumeClient);
    this.state = 'running';
    this.spec.running = true;
    await this.managed.start();
  }

  /** Its host crashed: the guest dies with it (its volumes stay owned by that host's client). */
  crash(): void {
    this.managed.stop();
    this.state = 'crashed';
  }

  /**
   * Live migration moved the guest: from now on it runs on `host` (the fabric, the rings and
   * the managed host's idea of its Dom0 all follow). The rings are reconnected by the caller.
   */
  placeOn(host: Dom0): void {
    this.currentHost = host;
    this.spec.hostId = host.hostId;
    this.o.fabric.moveGuest(this.id, host.hostId);
  }

  async shutdown(): Promise<void> {
    this.managed.stop();
    await this.xprtld.stop();
  }
}
