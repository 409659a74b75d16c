/**
 * The block ring between a guest's virtual LUN (blkfront) and the volume client of the Dom0 the
 * guest runs on (blkback) — the guest's data path, as in Xen's split block driver.
 *
 * It is the one place where a guest's I/O is held during a live migration's stop-and-copy:
 * `pause()` holds every new request, `drain()` waits for the requests already at the volume
 * client, and `reconnect(client)` points the ring at the destination Dom0's volume client and
 * releases the held requests there. Requests are never failed or dropped by the ring itself: a
 * held request completes on whichever Dom0 the ring is connected to when it resumes.
 */
import type { LunBackend, LunIdentity } from '../scsi/backend';

/** What the ring needs of a volume client (dom0/volume-client.ts implements it). */
export interface RingVolumeClient {
  readonly hostId: string;
  read(vdiId: string, offset: number, length: number, into?: Buffer): Promise<Buffer>;
  write(vdiId: string, offset: number, data: Buffer): Promise<void>;
  flush(vdiId: string): Promise<void>;
  sizeOf(vdiId: string): number;
}

export class BlockRing implements LunBackend {
  readonly blockSize = 512;
  private held: Array<() => void> = [];
  private paused = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly vdiId: string,
    private readonly lunIdentity: LunIdentity,
    private client: RingVolumeClient,
  ) {}

  /** The Dom0 whose volume client serves this ring now. */
  get hostId(): string {
    return this.client.hostId;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get heldRequests(): number {
    return this.held.length;
  }

  identity(): LunIdentity {
    return this.lunIdentity;
  }

  capacityBlocks(): number {
    return Math.floor(this.client.sizeOf(this.vdiId) / this.blockSize);
  }

  read(lba: number, blocks: number, into?: Buffer): Promise<Buffer> {
    return this.submit((c) => c.read(this.vdiId, lba * this.blockSize, blocks * this.blockSize, into));
  }

  write(lba: number, data: Buffer): Promise<void> {
    return this.submit((c) => c.write(this.vdiId, lba * this.blockSize, data));
  }

  flush(): Promise<void> {
    return this.submit((c) => c.flush(this.vdiId));
  }

  /** Stop-and-copy: hold every new request until `reconnect` or `resume`. */
  pause(): void {
    this.paused = true;
  }

  /** Resolves once no request is still being served by the current volume client. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Points the ring at another Dom0's volume client (after the handoff) and resumes. */
  reconnect(client: RingVolumeClient): void {
    this.client = client;
    this.resume();
  }

  /** Resumes on the current client (rollback path), releasing held requests in order. */
  resume(): void {
    this.paused = false;
    const waiting = this.held;
    this.held = [];
    for (const go of waiting) go();
  }

  private async submit<T>(io: (client: RingVolumeClient) => Promise<T>): Promise<T> {
    while (this.paused) await new Promise<void>((resolve) => this.held.push(resolve));
    this.inFlight++;
    try {
      return await io(this.client);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.idleWaiters.length) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
