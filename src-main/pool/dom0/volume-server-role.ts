/**
 * Which Dom0 holds the volume server role, and the takeover when that host goes down.
 *
 * `hostDown(h)` on the role's host crashes the running server (it writes nothing more; calls
 * get ERR_HOST_DOWN) and leaves the role vacant; `takeover(newHost)` opens a NEW volume server
 * on another Dom0 from the persisted metadata. Volume clients hold `dataPath`, which always
 * points at the current server's data path: plain I/O keeps flowing while the role is vacant
 * (clients know their extents), only writes needing a new COW mapping wait for a server.
 */
import { XdcError } from '../errors';
import type { VolumeDataPath } from '../storage/volume-io';
import { VolumeServer, type VolumeServerOptions } from './volume-server';

export class VolumeServerRole {
  private current: VolumeServer;
  private vacantSince: string | null = null;
  readonly dataPath: VolumeDataPath;

  constructor(private readonly opts: VolumeServerOptions) {
    this.current = VolumeServer.open(opts);
    this.dataPath = {
      read: (vdiId, hostId, offset, length, into) =>
        this.current.io.read(vdiId, hostId, offset, length, into),
      write: (vdiId, hostId, offset, data) => this.current.io.write(vdiId, hostId, offset, data),
      flush: (vdiId, hostId) => this.current.io.flush(vdiId, hostId),
      sizeOf: (vdiId) => this.current.io.sizeOf(vdiId),
      ownerOf: (vdiId) => this.current.io.ownerOf(vdiId),
      isSnapshot: (vdiId) => this.current.io.isSnapshot(vdiId),
    };
  }

  /** The Dom0 that holds (or last held) the role. */
  get hostId(): string {
    return this.current.hostId;
  }

  get vacant(): boolean {
    return this.vacantSince !== null;
  }

  /** The running volume server; ERR_HOST_DOWN while the role is vacant. */
  get server(): VolumeServer {
    if (this.vacantSince !== null)
      throw new XdcError(
        'ERR_HOST_DOWN',
        `the volume server is unavailable: ${this.vacantSince}; another Dom0 must take the role over`,
      );
    return this.current;
  }

  /** A host went down; if it held the role, the server dies with it. */
  hostDown(hostId: string): void {
    if (hostId !== this.current.hostId || this.vacantSince !== null) return;
    this.vacantSince = `host ${hostId} (volume server) is down`;
    this.current.crash(`host ${hostId} is down`);
  }

  /**
   * Moves the role to `newHostId`: a new server built from the checkpoint and journal. The old
   * instance, if still running, is fenced first so two servers never write the metadata.
   */
  takeover(newHostId: string): VolumeServer {
    const old = this.current;
    old.crash(`the volume server role moved to host ${newHostId}`);
    this.vacantSince = `the role is moving from ${old.hostId} to ${newHostId}`;
    this.current = VolumeServer.open({ ...this.opts, hostId: newHostId });
    this.vacantSince = null;
    return this.current;
  }

  /** Clean shutdown of the running server (checkpoint). */
  close(): void {
    if (this.vacantSince === null) this.current.close();
  }
}
