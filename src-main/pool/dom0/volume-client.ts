/**
 * The volume client: one per Dom0. It does the I/O of the guests on its host, and only on
 * volumes it owns: `acquire` asks the volume server to attach and activate the VDI (which
 * writes the `host_<id>=RW` tag), `release` flushes and deactivates. Every I/O on a volume it
 * does not own fails with ERR_NOT_OWNER, and the data path re-checks the authoritative tag,
 * so a stale client that still believes it owns a volume is fenced rather than trusted.
 *
 * The client reaches the volume server only through `VolumeServerLink`, so the control plane
 * can put xprtld HTTP in between; `InProcessVolumeServerLink` is the direct implementation.
 */
import { XdcError } from '../errors';
import type { VolumeDataPath } from '../storage/volume-io';
import type { VolumeServerRole } from './volume-server-role';

/** The SM operations a volume client asks of the volume server. */
export interface VolumeServerLink {
  /** vdi_attach: the host prepares the VDI (idempotent). */
  attach(vdiId: string, hostId: string): Promise<void>;
  /** vdi_detach (idempotent; refused while the host still owns the VDI). */
  detach(vdiId: string, hostId: string): Promise<void>;
  /** vdi_activate: take ownership; refused while another host holds it. */
  activate(vdiId: string, hostId: string): Promise<void>;
  /** vdi_deactivate: give ownership up (only the owner may; idempotent). */
  deactivate(vdiId: string, hostId: string): Promise<void>;
}

/** The link without a network: calls the role's current volume server directly. */
export class InProcessVolumeServerLink implements VolumeServerLink {
  constructor(private readonly role: VolumeServerRole) {}

  attach(vdiId: string, hostId: string): Promise<void> {
    return this.call(() => this.role.server.vdiAttach(vdiId, hostId));
  }

  detach(vdiId: string, hostId: string): Promise<void> {
    return this.call(() => this.role.server.vdiDetach(vdiId, hostId));
  }

  activate(vdiId: string, hostId: string): Promise<void> {
    return this.call(() => this.role.server.vdiActivate(vdiId, hostId));
  }

  deactivate(vdiId: string, hostId: string): Promise<void> {
    return this.call(() => this.role.server.vdiDeactivate(vdiId, hostId));
  }

  private call(fn: () => Promise<void>): Promise<void> {
    try {
      return fn();
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class VolumeClient {
  private readonly owned = new Set<string>();
  private downReason: string | null = null;

  constructor(
    readonly hostId: string,
    private readonly link: VolumeServerLink,
    private readonly dataPath: VolumeDataPath,
  ) {}

  /** Takes ownership of a volume for I/O: vdi_attach (if needed) then vdi_activate. */
  async acquire(vdiId: string): Promise<void> {
    this.checkUp('acquire', vdiId);
    await this.link.attach(vdiId, this.hostId);
    await this.link.activate(vdiId, this.hostId);
    this.owned.add(vdiId);
  }

  /**
   * Gives ownership up: flush, then vdi_deactivate. The VDI stays attached (see `detach`).
   * Nothing to give up (not owned here, nor tagged for this host) is a no-op; a stale claim
   * (owned here, tagged for another host) is refused by the volume server.
   */
  async release(vdiId: string): Promise<void> {
    this.checkUp('release', vdiId);
    const taggedHere = this.dataPath.ownerOf(vdiId) === this.hostId;
    if (!this.owned.has(vdiId) && !taggedHere) return;
    if (taggedHere) this.dataPath.flush(vdiId, this.hostId);
    await this.link.deactivate(vdiId, this.hostId);
    this.owned.delete(vdiId);
  }

  /** vdi_attach only: the early step of a migration's destination. */
  async prepare(vdiId: string): Promise<void> {
    this.checkUp('prepare', vdiId);
    await this.link.attach(vdiId, this.hostId);
  }

  /** vdi_detach: the last step of a migration's source (after release). */
  async detach(vdiId: string): Promise<void> {
    this.checkUp('detach', vdiId);
    await this.link.detach(vdiId, this.hostId);
  }

  owns(vdiId: string): boolean {
    return this.downReason === null && this.owned.has(vdiId);
  }

  /** Volumes this client believes it owns. */
  ownedVolumes(): string[] {
    return [...this.owned].sort();
  }

  async read(vdiId: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.checkIo('read', vdiId);
    return this.dataPath.read(vdiId, this.hostId, offset, length, into);
  }

  async write(vdiId: string, offset: number, data: Uint8Array): Promise<void> {
    this.checkIo('write', vdiId);
    this.dataPath.write(vdiId, this.hostId, offset, data);
  }

  async flush(vdiId: string): Promise<void> {
    this.checkIo('flush', vdiId);
    this.dataPath.flush(vdiId, this.hostId);
  }

  /** Reads a snapshot (read-only, immutable: no ownership needed). */
  async readSnapshot(snapId: string, offset: number, length: number): Promise<Buffer> {
    this.checkUp('read', snapId);
    if (!this.dataPath.isSnapshot(snapId))
      throw new XdcError(
        'ERR_BAD_REQUEST',
        `${snapId} is a volume, not a snapshot; read it with read() after acquire()`,
      );
    return this.dataPath.read(snapId, this.hostId, offset, length);
  }

  sizeOf(vdiId: string): number {
    return this.dataPath.sizeOf(vdiId);
  }

  /** The host crashed: the client forgets what it owned and refuses everything. */
  hostDown(reason = `host ${this.hostId} is down`): void {
    this.downReason = reason;
    this.owned.clear();
  }

  hostUp(): void {
    this.downReason = null;
  }

  private checkUp(what: string, vdiId: string): void {
    if (this.downReason !== null)
      throw new XdcError(
        'ERR_HOST_DOWN',
        `volume client on ${this.hostId} cannot ${what} ${vdiId}: ${this.downReason}`,
      );
  }

  private checkIo(what: string, vdiId: string): void {
    this.checkUp(what, vdiId);
    if (!this.owned.has(vdiId))
      throw new XdcError(
        'ERR_NOT_OWNER',
        `host ${this.hostId} does not own volume ${vdiId} (acquire it first); ${what} refused`,
      );
  }
}
