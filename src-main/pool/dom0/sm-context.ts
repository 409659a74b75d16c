/**
 * What the storage-manager driver classes (SR, VDI) work on: the durable metadata, the data
 * path (for checks that read bytes) and the pool clock's `now`. Shared lookups and id checks
 * live here so every SM operation refuses bad input with the same sentences.
 */
import { XdcError } from '../errors';
import type { MetadataStore } from '../storage/metadata-store';
import type { SnapshotVdi, SrState, VdiState, WritableVdi } from '../storage/model';
import type { VolumeIo } from '../storage/volume-io';

export interface SmContext {
  store: MetadataStore;
  io: VolumeIo;
  now(): number;
}

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function checkId(what: string, id: string): void {
  if (typeof id !== 'string' || !ID.test(id))
    throw new XdcError(
      'ERR_BAD_REQUEST',
      `${what} id "${String(id)}" is not valid (1-128 letters, digits, _ . : -)`,
    );
}

export function checkSize(what: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new XdcError(
      'ERR_BAD_REQUEST',
      `${what} size must be a positive whole number of bytes, got ${bytes}`,
    );
}

export function findSr(ctx: SmContext, srId: string): SrState {
  const sr = ctx.store.state.srs.get(srId);
  if (!sr) throw new XdcError('ERR_NOT_FOUND', `disk group ${srId} does not exist`);
  return sr;
}

export function findVdi(ctx: SmContext, vdiId: string): VdiState {
  const v = ctx.store.state.vdis.get(vdiId);
  if (!v || (v.kind !== 'snapshot' && v.deleted))
    throw new XdcError('ERR_NOT_FOUND', `volume ${vdiId} does not exist`);
  return v;
}

export function findWritable(ctx: SmContext, vdiId: string, op: string): WritableVdi {
  const v = findVdi(ctx, vdiId);
  if (v.kind === 'snapshot')
    throw new XdcError(
      'ERR_BAD_REQUEST',
      `${op}: ${vdiId} is a snapshot (read-only); clone it to get a writable volume`,
    );
  return v;
}

export function findSnapshot(ctx: SmContext, snapId: string): SnapshotVdi {
  const v = findVdi(ctx, snapId);
  if (v.kind !== 'snapshot') throw new XdcError('ERR_BAD_REQUEST', `${snapId} is not a snapshot`);
  return v;
}

export function checkNewVdiId(ctx: SmContext, vdiId: string): void {
  checkId('volume', vdiId);
  if (ctx.store.state.vdis.has(vdiId))
    throw new XdcError('ERR_CONFLICT', `a volume or snapshot named ${vdiId} already exists`);
}

/** "h1, h2" for sentences. */
export function list(ids: Iterable<string>): string {
  return [...ids].sort().join(', ');
}
