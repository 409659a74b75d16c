/**
 * Scrubbing reused space: before a volume (or a volume's growth) is given extents, the parts
 * that an earlier volume, clone or snapshot chunk used are overwritten with zeros, so a new
 * volume reads zeros like a fresh disk and never a deleted volume's data.
 *
 * It runs BEFORE the vdi_create / vdi_resize record is journaled: the space is still free and
 * referenced by nobody, so a crash mid-scrub harms nothing, and replay never scrubs (it could
 * otherwise wipe data written after the record). Never-used space is the sparse file's zeros
 * and costs nothing; reused space costs one write of its size (Node has no hole punching).
 */
import type { Extent } from './free-space';
import type { SharedDisks } from './shared-disks';
import type { SpaceHistory } from './space-history';
import { MiB } from './units';

let zeros: Buffer | null = null;

export function scrubForReuse(history: SpaceHistory, disks: SharedDisks, extents: Extent[]): void {
  for (const e of extents) {
    for (const part of history.usedParts(e)) {
      zeros ??= Buffer.alloc(MiB);
      const disk = disks.get(part.diskId);
      for (let done = 0; done < part.length; ) {
        const n = Math.min(zeros.length, part.length - done);
        disk.writeAt(zeros, 0, n, part.offset + done);
        done += n;
      }
    }
  }
}
