/**
 * The acknowledged-write audit: a record of recent writes the storage acknowledged (where, how
 * long, a CRC-32 of the bytes), so the invariants check can re-read a sample of them and prove
 * that no acknowledged write was lost — across migrations, takeovers, crashes and restores.
 *
 * It sits on the volume data path every volume client writes through. A later write over the
 * same bytes replaces the earlier record (the earlier data is legitimately gone); a snapshot
 * restore forgets the volume's records. Per volume only the newest records are kept, so the
 * audit stays small however long the lab runs.
 */
import { crc32 } from 'node:zlib';
import type { VolumeDataPath } from './storage/volume-io';

export interface AuditedWrite {
  vdiId: string;
  offset: number;
  length: number;
  crc: number;
  at: number;
}

const PER_VOLUME = 64;

export class WriteAudit {
  private readonly byVolume = new Map<string, AuditedWrite[]>();
  private cursor = 0;

  constructor(private readonly now: () => number) {}

  /** Wraps a data path so every acknowledged write is recorded. */
  wrap(path: VolumeDataPath): VolumeDataPath {
    return {
      read: (v, h, o, l, into) => path.read(v, h, o, l, into),
      flush: (v, h) => path.flush(v, h),
      sizeOf: (v) => path.sizeOf(v),
      ownerOf: (v) => path.ownerOf(v),
      isSnapshot: (v) => path.isSnapshot(v),
      write: (vdiId, hostId, offset, data) => {
        path.write(vdiId, hostId, offset, data);
        this.record(vdiId, offset, data);
      },
    };
  }

  record(vdiId: string, offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    const list = (this.byVolume.get(vdiId) ?? []).filter(
      (w) => w.offset + w.length <= offset || w.offset >= end,
    );
    list.push({ vdiId, offset, length: data.length, crc: crc32(data), at: this.now() });
    if (list.length > PER_VOLUME) list.splice(0, list.length - PER_VOLUME);
    this.byVolume.set(vdiId, list);
  }

  /** The volume's content was replaced wholesale (snapshot restore): its records no longer hold. */
  forget(vdiId: string): void {
    this.byVolume.delete(vdiId);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byVolume.values()) n += l.length;
    return n;
  }

  /** Up to `n` records, rotating through all of them across calls (a background sampler). */
  sample(n: number): AuditedWrite[] {
    const all = [...this.byVolume.values()].flat();
    if (all.length <= n) return all;
    const out: AuditedWrite[] = [];
    for (let i = 0; i < n; i++) out.push(all[(this.cursor + i) % all.length]!);
    this.cursor = (this.cursor + n) % all.length;
    return out;
  }

  static matches(w: AuditedWrite, data: Uint8Array): boolean {
    return data.length === w.length && crc32(data) === w.crc;
  }
}
