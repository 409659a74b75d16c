/**
 * A shared disk (a SAN LUN of the pool): one sparse file `<labDir>/disks/<diskId>.img`.
 *
 * I/O is synchronous pread/pwrite on an open fd on purpose: once `writeAt` returns, the bytes
 * are in the OS page cache and survive a SIGKILL of the lab process, which is the durability
 * an acknowledged guest write needs here. `fsync` is what SYNCHRONIZE CACHE maps to.
 *
 * A disk can be failed (the disk-fail fault): every I/O then throws ERR_IO until `restore`.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { asXdcError, XdcError } from '../errors';
import { formatBytes } from './units';

export const DISK_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export class SharedDisk {
  private failedReason: string | null = null;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly path: string,
    readonly sizeBytes: number,
    private readonly fd: number,
  ) {}

  /** Creates the sparse file (ftruncate: no zeros are written, a 1 TiB disk costs nothing). */
  static create(id: string, path: string, sizeBytes: number): SharedDisk {
    checkId(id);
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
      throw new XdcError(
        'ERR_BAD_REQUEST',
        `disk ${id}: size must be a positive whole number of bytes, got ${sizeBytes}`,
      );
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o644);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST') throw new XdcError('ERR_CONFLICT', `disk ${id} already exists (${path})`);
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    try {
      ftruncateSync(fd, sizeBytes);
    } catch (e) {
      closeSync(fd);
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    return new SharedDisk(id, path, sizeBytes, fd);
  }

  /** Opens an existing disk file; its size is the file's size. */
  static open(id: string, path: string): SharedDisk {
    checkId(id);
    try {
      const fd = openSync(path, 'r+');
      return new SharedDisk(id, path, fstatSync(fd).size, fd);
    } catch (e) {
      throw asXdcError(e, 'ERR_LAB_IO');
    }
  }

  get failed(): boolean {
    return this.failedReason !== null;
  }

  /** The disk-fail fault: every I/O from now on throws ERR_IO. */
  fail(reason = 'injected disk failure'): void {
    this.failedReason = reason;
  }

  restore(): void {
    this.failedReason = null;
  }

  /** Reads `length` bytes at disk offset `pos` into `buf` at `bufOffset`. */
  readAt(buf: Uint8Array, bufOffset: number, length: number, pos: number): void {
    this.check('read', pos, length);
    let done = 0;
    try {
      while (done < length) {
        const n = readSync(this.fd, buf, bufOffset + done, length - done, pos + done);
        if (n === 0) {
          // Past the end of a file someone shortened behind our back: a medium error, not zeros.
          throw new XdcError(
            'ERR_IO',
            `disk ${this.id}: short read at ${pos + done} (file shorter than ${formatBytes(this.sizeBytes)})`,
          );
        }
        done += n;
      }
    } catch (e) {
      throw this.ioError('read', pos, e);
    }
  }

  writeAt(buf: Uint8Array, bufOffset: number, length: number, pos: number): void {
    this.check('write', pos, length);
    let done = 0;
    try {
      while (done < length) done += writeSync(this.fd, buf, bufOffset + done, length - done, pos + done);
    } catch (e) {
      throw this.ioError('write', pos, e);
    }
  }

  /** SYNCHRONIZE CACHE: forces the disk's dirty pages to stable storage. */
  fsync(): void {
    this.check('flush', 0, 0);
    try {
      fsyncSync(this.fd);
    } catch (e) {
      throw this.ioError('flush', 0, e);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private check(what: string, pos: number, length: number): void {
    if (this.failedReason !== null)
      throw new XdcError(
        'ERR_IO',
        `disk ${this.id} has failed (${this.failedReason}); ${what} at offset ${pos} refused`,
      );
    if (this.closed)
      throw new XdcError('ERR_IO', `disk ${this.id} is closed; ${what} at offset ${pos} refused`);
    if (pos < 0 || length < 0 || pos + length > this.sizeBytes)
      throw new XdcError(
        'ERR_IO',
        `disk ${this.id}: ${what} of ${length} bytes at ${pos} is outside the disk (${formatBytes(this.sizeBytes)})`,
      );
  }

  private ioError(what: string, pos: number, e: unknown): XdcError {
    if (e instanceof XdcError) return e;
    const x = asXdcError(e, 'ERR_IO');
    return new XdcError(x.code, `disk ${this.id}: ${what} at offset ${pos} failed: ${x.message}`);
  }
}

function checkId(id: string): void {
  if (!DISK_ID.test(id))
    throw new XdcError('ERR_BAD_REQUEST', `disk id "${id}" is not valid (letters, digits, _ . : -)`);
}
