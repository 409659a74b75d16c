/**
 * Copies a saved lab folder for a fuzz case without filling the disk: the lab's shared disk
 * images are sparse (8 GiB each in the demo pool, almost all holes), and `fs.cpSync` writes
 * every hole out as real zeros — 32 GiB per case, synchronously, which wedged the event loop
 * (no fast-check timeout can fire inside a synchronous copy) and filled /tmp.
 *
 * Holes stay holes here: an image with no allocated blocks becomes a truncated empty file of
 * the same size; otherwise only its non-zero chunks are written.
 */
import {
  closeSync,
  cpSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/** Copies one file keeping its holes; returns the bytes actually written. */
export function copySparseFile(src: string, dst: string): number {
  const st = statSync(src);
  const out = openSync(dst, 'w', st.mode & 0o777);
  let written = 0;
  try {
    ftruncateSync(out, st.size);
    if (st.blocks === 0) return 0;
    const inp = openSync(src, 'r');
    try {
      const buf = Buffer.alloc(CHUNK);
      for (let at = 0; at < st.size; ) {
        const n = readSync(inp, buf, 0, CHUNK, at);
        if (n <= 0) break;
        const chunk = buf.subarray(0, n);
        if (!chunk.equals(ZEROS.subarray(0, n))) written += writeSync(out, chunk, 0, n, at);
        at += n;
      }
    } finally {
      closeSync(inp);
    }
  } finally {
    closeSync(out);
  }
  return written;
}

/** Copies a lab folder: everything with cpSync except disks/*.img, which keep their holes. */
export function copyLab(src: string, dst: string): void {
  cpSync(src, dst, { recursive: true, filter: (s) => !/[\\/]disks[\\/][^\\/]+\.img$/.test(s) });
  const disks = join(src, 'disks');
  for (const f of readdirSync(disks))
    if (f.endsWith('.img')) copySparseFile(join(disks, f), join(dst, 'disks', f));
}
