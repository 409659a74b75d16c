/**
 * The Dom0 end of the XDC hardware VSS provider: a guest's provider asks the Dom0 it runs on
 * (over xprtld) to make, delete or restore a snapshot SET, and this endpoint asks the volume
 * server. A set is all or none: if any member snapshot fails, the ones made are deleted before
 * the answer. Sets are serialised per set id, and a set the guest gave up on (delete before or
 * during its creation) is remembered, so a late create cannot leave an orphan behind.
 *
 * Guests name LUNs by their NAA device id (what VPD 0x83 told them); the endpoint maps them to
 * VDIs through `guestVolumes`, which also keeps a guest from touching another guest's volume.
 *
 * Restore: the volume server has no vdi_revert, so the endpoint copies the snapshot's content
 * back through the data path: read from the snapshot (read-only, no owner needed), write to the
 * live volume through this Dom0's volume client (which owns it: the guest runs here). Only
 * changed chunks are written: with `changedChunks` (the COW maps of the snapshot and every newer
 * one: exactly the chunks written since), only those are even read; without it each 64 KiB
 * chunk is compared and only the differing ones are written. Writes keep newer snapshots intact
 * (they are ordinary writes, copy-on-write included).
 */
import { XdcError } from '../errors';
import { Dom0Routes } from '../guest/links';
import {
  parseBody,
  type RestoreResult,
  type SetMember,
  type SnapshotSetCreated,
  SnapshotSetDelete,
  SnapshotSetRequest,
  SnapshotSetRestore,
} from '../guest/wire';
import type { RequestContext, Xprtld } from '../net/xprtld';
import { CHUNK_BYTES } from '../storage/units';
import type { VolumeServer } from './volume-server';

/** What the endpoint needs of the volume server (an adapter over VolumeServer below). */
export interface SnapshotStore {
  snapshot(
    vdiId: string,
    o: { snapId: string; name: string; setId: string; consistency: 'application' | 'crash' },
  ): Promise<string>;
  deleteSnapshot(snapId: string): Promise<void>;
  /** The VDI a snapshot is of, or null when there is no such snapshot. */
  parentOf(snapId: string): string | null;
  /** Snapshots the volume server holds for a set id. */
  membersOf(setId: string): string[];
  /** Chunk indexes written since `snapId` was taken (its COW map and every newer one's), if the store can tell. */
  changedChunks?(snapId: string): number[];
  /** Server-side revert, if the volume server has one. */
  revert?(snapId: string): Promise<number>;
}

/** This Dom0's volume client, as the endpoint uses it. */
export interface EndpointVolumeClient {
  readonly hostId: string;
  owns(vdiId: string): boolean;
  read(vdiId: string, offset: number, length: number): Promise<Buffer>;
  write(vdiId: string, offset: number, data: Uint8Array): Promise<void>;
  flush(vdiId: string): Promise<void>;
  readSnapshot(snapId: string, offset: number, length: number): Promise<Buffer>;
  sizeOf(vdiId: string): number;
}

export interface VssEndpointOptions {
  store: SnapshotStore;
  client: EndpointVolumeClient;
  /** The guest's LUNs as Dom0 attached them: NAA device id (lower-case hex) and the VDI behind it. */
  guestVolumes: (guestId: string) => ReadonlyArray<{ naa: string; vdiId: string }>;
}

/** SnapshotStore over the pool's volume server (a getter: the role may move on takeover). */
export function volumeServerStore(server: () => VolumeServer): SnapshotStore {
  return {
    async snapshot(vdiId, o) {
      const s = await server().vdiSnapshot(vdiId, {
        snapId: o.snapId,
        name: o.name,
        setId: o.setId,
        consistency: o.consistency,
      });
      return s.id;
    },
    deleteSnapshot: (snapId) => server().vdiDelete(snapId),
    parentOf(snapId) {
      try {
        return server().getSnapshot(snapId).parentId;
      } catch (e) {
        if (e instanceof XdcError && (e.code === 'ERR_NOT_FOUND' || e.code === 'ERR_BAD_REQUEST'))
          return null;
        throw e;
      }
    },
    changedChunks: (snapId) => server().changedChunksSince(snapId),
    membersOf: (setId) =>
      server()
        .listSnapshots()
        .filter((s) => s.setId === setId)
        .map((s) => s.id),
  };
}

const MAX_TOMBSTONES = 10_000;

export class VssEndpoint {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly o: VssEndpointOptions) {}

  register(x: Xprtld): void {
    x.route(
      'POST',
      Dom0Routes.createSet,
      (ctx) => this.serial(this.body(ctx, SnapshotSetRequest).setId, () => this.create(ctx)),
      {
        role: 'node',
      },
    );
    x.route(
      'POST',
      Dom0Routes.deleteSet,
      (ctx) => this.serial(this.body(ctx, SnapshotSetDelete).setId, () => this.delete(ctx)),
      {
        role: 'node',
      },
    );
    x.route(
      'POST',
      Dom0Routes.restoreSet,
      (ctx) => this.serial(this.body(ctx, SnapshotSetRestore).setId, () => this.restore(ctx)),
      {
        role: 'node',
      },
    );
  }

  /** Makes every member snapshot of the set, or none. */
  async createSet(guestId: string, req: SnapshotSetRequest): Promise<SnapshotSetCreated> {
    if (this.cancelled.has(req.setId)) {
      throw new XdcError('ERR_CONFLICT', `snapshot set ${req.setId} was cancelled by the guest; not created`);
    }
    const targets = req.luns.map((l) => ({ ...l, vdiId: this.vdiFor(guestId, l.naa, l.lun) }));
    const made: SetMember[] = [];
    try {
      for (const [i, t] of targets.entries()) {
        const snapId = `${t.vdiId}.vss-${req.setId.slice(-10)}-${i}`;
        await this.o.store.snapshot(t.vdiId, {
          snapId,
          name: req.name,
          setId: req.setId,
          consistency: req.consistency,
        });
        made.push({ lun: t.lun, naa: t.naa, vdiId: t.vdiId, snapshotId: snapId });
      }
    } catch (e) {
      await this.deleteQuietly(made.map((m) => m.snapshotId));
      const why = e instanceof Error ? e.message : String(e);
      throw new XdcError(
        e instanceof XdcError ? e.code : 'ERR_STORAGE',
        `snapshot set ${req.setId} not created (none of its snapshots kept): ${why}`,
      );
    }
    return { setId: req.setId, members: made };
  }

  async deleteSet(guestId: string, req: SnapshotSetDelete): Promise<{ deleted: string[] }> {
    this.cancelled.add(req.setId);
    if (this.cancelled.size > MAX_TOMBSTONES)
      this.cancelled.delete(this.cancelled.values().next().value as string);
    const ids = new Set([...req.snapshotIds, ...this.o.store.membersOf(req.setId)]);
    const deleted: string[] = [];
    for (const id of ids) {
      const parent = this.o.store.parentOf(id);
      if (parent === null) continue;
      this.checkGuestVolume(guestId, parent);
      await this.o.store.deleteSnapshot(id);
      deleted.push(id);
    }
    return { deleted };
  }

  async restoreSet(guestId: string, req: SnapshotSetRestore): Promise<RestoreResult> {
    const plan = req.members.map((m) => {
      const vdiId = this.vdiFor(guestId, m.naa, m.lun);
      const parent = this.o.store.parentOf(m.snapshotId);
      if (parent === null)
        throw new XdcError('ERR_NOT_FOUND', `snapshot ${m.snapshotId} does not exist on the volume server`);
      if (parent !== vdiId)
        throw new XdcError(
          'ERR_CONFLICT',
          `snapshot ${m.snapshotId} is of ${parent}, not of lun${m.lun} (${vdiId})`,
        );
      if (!this.o.client.owns(vdiId)) {
        throw new XdcError(
          'ERR_NOT_OWNER',
          `host ${this.o.client.hostId} does not own ${vdiId}; restore it where the guest runs`,
        );
      }
      return { vdiId, snapId: m.snapshotId };
    });
    const restored: RestoreResult['restored'] = [];
    for (const p of plan) {
      if (this.o.store.revert) {
        const bytes = await this.o.store.revert(p.snapId);
        restored.push({ vdiId: p.vdiId, snapshotId: p.snapId, method: 'revert', bytesCopied: bytes });
        continue;
      }
      const bytes = await this.copyBack(p.vdiId, p.snapId);
      await this.o.client.flush(p.vdiId);
      restored.push({ vdiId: p.vdiId, snapshotId: p.snapId, method: 'copy-back', bytesCopied: bytes });
    }
    return { restored };
  }

  private async copyBack(vdiId: string, snapId: string): Promise<number> {
    const size = this.o.client.sizeOf(vdiId);
    const chunkCount = Math.ceil(size / CHUNK_BYTES);
    const candidates =
      this.o.store.changedChunks?.(snapId) ?? Array.from({ length: chunkCount }, (_, i) => i);
    const known = this.o.store.changedChunks !== undefined;
    let copied = 0;
    for (const c of candidates) {
      const offset = c * CHUNK_BYTES;
      if (offset >= size) continue;
      const n = Math.min(CHUNK_BYTES, size - offset);
      const old = await this.o.client.readSnapshot(snapId, offset, n);
      if (!known) {
        const now = await this.o.client.read(vdiId, offset, n);
        if (now.equals(old)) continue;
      }
      await this.o.client.write(vdiId, offset, old);
      copied += n;
    }
    return copied;
  }

  private vdiFor(guestId: string, naa: string, lun: number): string {
    const hit = this.o.guestVolumes(guestId).find((v) => v.naa === naa.toLowerCase());
    if (!hit)
      throw new XdcError(
        'ERR_FORBIDDEN',
        `guest ${guestId} has no LUN with device id naa.${naa} (lun${lun})`,
      );
    return hit.vdiId;
  }

  /** A guest deletes only snapshots of its own volumes. */
  private checkGuestVolume(guestId: string, vdiId: string): void {
    if (!this.o.guestVolumes(guestId).some((v) => v.vdiId === vdiId)) {
      throw new XdcError(
        'ERR_FORBIDDEN',
        `guest ${guestId} may not delete snapshots of ${vdiId}, which is not one of its LUNs`,
      );
    }
  }

  private async deleteQuietly(ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.o.store.deleteSnapshot(id);
      } catch {
        // Best effort while already failing: the set id stays cancelled for a later delete.
      }
    }
  }

  private body<T>(ctx: RequestContext, schema: import('zod').ZodType<T>): T {
    return parseBody(schema, ctx.body, `${ctx.method} ${ctx.path}`);
  }

  private caller(ctx: RequestContext): string {
    const id = ctx.caller?.nodeId;
    if (!id) throw new XdcError('ERR_FORBIDDEN', 'only a guest may ask for VSS snapshot sets');
    return id;
  }

  private create(ctx: RequestContext): Promise<SnapshotSetCreated> {
    return this.createSet(this.caller(ctx), this.body(ctx, SnapshotSetRequest));
  }

  private delete(ctx: RequestContext): Promise<{ deleted: string[] }> {
    return this.deleteSet(this.caller(ctx), this.body(ctx, SnapshotSetDelete));
  }

  private restore(ctx: RequestContext): Promise<RestoreResult> {
    return this.restoreSet(this.caller(ctx), this.body(ctx, SnapshotSetRestore));
  }

  /** Runs operations on one set id one after another. */
  private serial<T>(setId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(setId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(setId, tail);
    void tail.then(() => {
      if (this.chains.get(setId) === tail) this.chains.delete(setId);
    });
    return next;
  }
}
