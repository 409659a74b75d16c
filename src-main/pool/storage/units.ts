/**
 * Sizes of the storage core, in one place: the copy-on-write chunk and the allocation unit of
 * volumes. Every volume size is a whole number of allocation units, so chunks never straddle
 * the end of a volume.
 */
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Copy-on-write granularity: the first write after a snapshot copies one 64 KiB chunk. */
export const CHUNK_BYTES = 64 * KiB;
/** Chunks covering `bytes` (no bit shifts: volumes pass 2^32 bytes). */
export function chunksIn(bytes: number): number {
  return Math.ceil(bytes / CHUNK_BYTES);
}

/** Volumes are allocated (and resized) in whole MiB. */
export const ALLOC_BYTES = MiB;

export function roundUpToAlloc(bytes: number): number {
  return Math.ceil(bytes / ALLOC_BYTES) * ALLOC_BYTES;
}

/** `1.5 GiB`, `64 KiB`: sizes in error sentences a storage engineer reads. */
export function formatBytes(n: number): string {
  const units: Array<[number, string]> = [
    [TiB, 'TiB'],
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB'],
  ];
  for (const [u, name] of units) {
    if (n >= u) {
      const v = n / u;
      return `${Number.isInteger(v) ? v : v.toFixed(2)} ${name}`;
    }
  }
  return `${n} bytes`;
}
