/**
 * The acknowledged-write audit: a record of recent writes the storage acknowledged (where, and a
 * CRC-32 of the head of the bytes), so the invariants check can re-read a sample of them and prove
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
/** Bytes of each write whose CRC is kept (its head). */
const SAMPLE_BYTES = 4096;

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
    let list = this.byVolume.get(vdiId);
    if (!list) {
      list = [];
      this.byVolume.set(vdiId, list);
    }
    // A write over recorded bytes replaces their record (in place: this runs on every guest write).
    let kept = 0;
    for (const w of list) if (w.offset + w.length <= offset || w.offset >= end) list[kept++] = w;
    list.length = kept;
    // The audit samples the head of each write: a CRC of a whole 1 MiB write costs more than the
    // write itself on the guest's data path, and a lost write shows in its first block too.
    const sample = data.length > SAMPLE_BYTES ? data.subarray(0, SAMPLE_BYTES) : data;
    list.push({ vdiId, offset, length: sample.length, crc: crc32(sample), at: this.now() });
    if (list.length > PER_VOLUME) list.shift();
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
