/**
 * Test helpers for the LUN layer: a Buffer-backed LunBackend with failure injection, a file-backed
 * one (real bytes in a real file), CDB builders, and sense assertions.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { expect } from 'vitest';
import { XdcError, type XdcErrorCode } from '../../../src-main/pool/errors';
import { type LunBackend, type LunIdentity, lunIdentityFor } from '../../../src-main/pool/scsi/backend';
import type { ScsiResult } from '../../../src-main/pool/scsi/command';
import { ScsiStatus } from '../../../src-main/pool/scsi/sense';
import { VirtualLun } from '../../../src-main/pool/scsi/virtual-lun';

export const BLOCK = 512;

type Operation = 'read' | 'write' | 'flush';

export class MemoryLunBackend implements LunBackend {
  readonly blockSize = BLOCK;
  store: Buffer;
  flushes = 0;
  private failures = new Map<Operation, unknown>();
  private readonly id: LunIdentity;

  constructor(blocks: number, vdiId = 'vdi-1') {
    this.store = Buffer.alloc(blocks * BLOCK);
    this.id = lunIdentityFor('pool-test', vdiId);
  }

  /** The next `op` throws `error` (once). */
  failNext(op: Operation, error: unknown): void {
    this.failures.set(op, error);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  private maybeFail(op: Operation): void {
    const e = this.failures.get(op);
    if (e !== undefined) {
      this.failures.delete(op);
      throw e;
    }
  }

  /** vdi_resize: keeps the content that still fits. */
  resize(blocks: number): void {
    const next = Buffer.alloc(blocks * BLOCK);
    this.store.copy(next, 0, 0, Math.min(next.length, this.store.length));
    this.store = next;
  }

  capacityBlocks(): number {
    return this.store.length / BLOCK;
  }

  async read(lba: number, blocks: number, into?: Buffer): Promise<Buffer> {
    this.maybeFail('read');
    const src = this.store.subarray(lba * BLOCK, (lba + blocks) * BLOCK);
    if (!into) return Buffer.from(src);
    src.copy(into);
    return into;
  }

  async write(lba: number, data: Buffer): Promise<void> {
    this.maybeFail('write');
    data.copy(this.store, lba * BLOCK);
  }

  async flush(): Promise<void> {
    this.maybeFail('flush');
    this.flushes++;
  }

  identity(): LunIdentity {
    return this.id;
  }
}

/** A LunBackend over a plain file, with positioned sync reads and writes. */
export class FileLunBackend implements LunBackend {
  readonly blockSize = BLOCK;
  private readonly fd: number;

  constructor(
    path: string,
    private readonly blocks: number,
  ) {
    this.fd = openSync(path, 'w+');
  }

  capacityBlocks(): number {
    return this.blocks;
  }

  async read(lba: number, blocks: number): Promise<Buffer> {
    const buf = Buffer.alloc(blocks * BLOCK);
    readSync(this.fd, buf, 0, buf.length, lba * BLOCK);
    return buf;
  }

  async write(lba: number, data: Buffer): Promise<void> {
    writeSync(this.fd, data, 0, data.length, lba * BLOCK);
  }

  async flush(): Promise<void> {
    fsyncSync(this.fd);
  }

  identity(): LunIdentity {
    return lunIdentityFor('pool-test', 'file-vdi');
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A LUN that has already had its power-on unit attention cleared, as after a guest's first TUR. */
export function readyLun(blocks = 2048): { lun: VirtualLun; backend: MemoryLunBackend } {
  const backend = new MemoryLunBackend(blocks);
  return { lun: new VirtualLun(backend, { powerOnAttention: false }), backend };
}

export function err(code: XdcErrorCode, message = 'injected'): XdcError {
  return new XdcError(code, message);
}

function be(value: number, bytes: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out.unshift(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}

export const cdb = {
  testUnitReady: () => Uint8Array.of(0x00, 0, 0, 0, 0, 0),
  requestSense: (alloc = 252) => Uint8Array.of(0x03, 0, 0, 0, alloc, 0),
  inquiry: (alloc = 255, page?: number) =>
    Uint8Array.of(0x12, page === undefined ? 0 : 1, page ?? 0, ...be(alloc, 2), 0),
  read6: (lba: number, blocks: number) =>
    Uint8Array.of(0x08, (lba >> 16) & 0x1f, (lba >> 8) & 0xff, lba & 0xff, blocks, 0),
  write6: (lba: number, blocks: number) =>
    Uint8Array.of(0x0a, (lba >> 16) & 0x1f, (lba >> 8) & 0xff, lba & 0xff, blocks, 0),
  read10: (lba: number, blocks: number, flags = 0) =>
    Uint8Array.of(0x28, flags, ...be(lba, 4), 0, ...be(blocks, 2), 0),
  write10: (lba: number, blocks: number, flags = 0) =>
    Uint8Array.of(0x2a, flags, ...be(lba, 4), 0, ...be(blocks, 2), 0),
  read16: (lba: number, blocks: number, flags = 0) =>
    Uint8Array.of(0x88, flags, ...be(lba, 8), ...be(blocks, 4), 0, 0),
  write16: (lba: number, blocks: number, flags = 0) =>
    Uint8Array.of(0x8a, flags, ...be(lba, 8), ...be(blocks, 4), 0, 0),
  readCapacity10: () => Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0),
  readCapacity16: (alloc = 32) => Uint8Array.of(0x9e, 0x10, ...be(0, 8), ...be(alloc, 4), 0, 0),
  synchronizeCache10: (lba = 0, blocks = 0) => Uint8Array.of(0x35, 0, ...be(lba, 4), 0, ...be(blocks, 2), 0),
  synchronizeCache16: (lba = 0, blocks = 0) => Uint8Array.of(0x91, 0, ...be(lba, 8), ...be(blocks, 4), 0, 0),
  modeSense6: (page: number, opts: { dbd?: boolean; pc?: number; subpage?: number; alloc?: number } = {}) =>
    Uint8Array.of(
      0x1a,
      opts.dbd ? 0x08 : 0,
      ((opts.pc ?? 0) << 6) | page,
      opts.subpage ?? 0,
      opts.alloc ?? 255,
      0,
    ),
  modeSense10: (page: number, opts: { dbd?: boolean; llbaa?: boolean; pc?: number; alloc?: number } = {}) =>
    Uint8Array.of(
      0x5a,
      (opts.dbd ? 0x08 : 0) | (opts.llbaa ? 0x10 : 0),
      ((opts.pc ?? 0) << 6) | page,
      0,
      0,
      0,
      0,
      ...be(opts.alloc ?? 1024, 2),
      0,
    ),
  reportLuns: (alloc = 1024, select = 0) => Uint8Array.of(0xa0, 0, select, 0, 0, 0, ...be(alloc, 4), 0, 0),
  rsoc: (options: number, opcode = 0, sa = 0, alloc = 4096, rctd = false) =>
    Uint8Array.of(0xa3, 0x0c, (rctd ? 0x80 : 0) | options, opcode, ...be(sa, 2), ...be(alloc, 4), 0, 0),
};

export function pattern(blocks: number, seed: number): Buffer {
  const b = Buffer.alloc(blocks * BLOCK);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
  return b;
}

export function expectGood(r: ScsiResult): void {
  expect(r.sense, r.sense ? `unexpected sense ${r.sense.toString('hex')}` : '').toBeNull();
  expect(r.status).toBe(ScsiStatus.GOOD);
}

/** CHECK CONDITION with fixed-format sense `key`/`asc`/`ascq`. */
export function expectCheck(r: ScsiResult, key: number, asc: number, ascq: number): Buffer {
  expect(r.status).toBe(ScsiStatus.CHECK_CONDITION);
  const s = r.sense!;
  expect(s).toHaveLength(18);
  expect(s[0]! & 0x7f).toBe(0x70);
  expect(s[7]).toBe(10);
  expect({ key: s[2]! & 0x0f, asc: s[12], ascq: s[13] }).toEqual({ key, asc, ascq });
  return s;
}

/** The SENSE-KEY SPECIFIC field pointer: [SKSV|C/D|BPV|bit byte, field pointer]. */
export function fieldPointer(
  sense: Buffer,
): { inCdb: boolean; byte: number; bit: number | undefined } | null {
  if (!(sense[15]! & 0x80)) return null;
  return {
    inCdb: (sense[15]! & 0x40) !== 0,
    byte: sense.readUInt16BE(16),
    bit: sense[15]! & 0x08 ? sense[15]! & 0x07 : undefined,
  };
}
