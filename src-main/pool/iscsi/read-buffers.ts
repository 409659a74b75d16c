/**
 * A connection's reusable READ buffers: the memory a READ's blocks are read into (the LUN layer's
 * `dataIn`) and then sent from as Data-In. A fresh 128 KiB Buffer per READ costs an allocation,
 * page faults on first touch and GC work; reusing a few per connection avoids all three.
 *
 * A buffer comes back only once nothing can read it any more: the caller returns it after the
 * socket has handed the last Data-In PDU that references it to the kernel (its write callback;
 * socket writes complete in order), or at once when no PDU referenced it. A buffer whose bytes
 * may still be queued in the socket is never given out again.
 */

/** Smaller reads come from Node's shared slab cheaply; larger ones are not worth keeping around. */
const MIN_CLASS = 4096;
const MAX_CLASS = 1024 * 1024;
/** Free bytes kept per connection (16 commands in flight of 256 KiB each fit twice). */
const MAX_FREE_BYTES = 8 * 1024 * 1024;

function sizeClass(bytes: number): number {
  let size = MIN_CLASS;
  while (size < bytes) size *= 2;
  return size;
}

export class ReadBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;

  /**
   * A buffer of at least `bytes` bytes (contents unspecified), or undefined when a READ of that
   * size is better served by the storage's own allocation.
   */
  acquire(bytes: number): Buffer | undefined {
    if (bytes <= 0 || bytes > MAX_CLASS) return undefined;
    const size = sizeClass(bytes);
    const buf = this.free.get(size)?.pop();
    if (buf) {
      this.freeBytes -= size;
      return buf;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Gives a buffer from acquire() back; nothing may read or write it afterwards. */
  release(buf: Buffer): void {
    const size = buf.length;
    if (size < MIN_CLASS || size > MAX_CLASS || (size & (size - 1)) !== 0) return;
    if (this.freeBytes + size > MAX_FREE_BYTES) return;
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buf);
    this.freeBytes += size;
  }
}
