/**
 * The metadata journal `<labDir>/storage/metadata.journal`: append-only, one framed record per
 * metadata change, written with one writeSync so an acknowledged change survives a SIGKILL.
 *
 * Frame: magic u32 | payload length u32 | crc32(payload) u32 | crc32(first 12 bytes) u32 | JSON.
 * The header has its own checksum so a damaged length can never pass for a torn tail.
 *
 * On open: a LAST record that is incomplete (crash mid-append, never acknowledged) is cut off;
 * any other damage is ERR_LAB_CORRUPT naming the file and the record, never a silent reset.
 * A failed append (ENOSPC, EROFS...) is cut back off the file so the journal stays well formed.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { asXdcError, XdcError } from '../errors';

const MAGIC = 0x4a434458; // 'XDCJ' little-endian
const HEADER = 16;
const MAX_RECORD = 16 * 1024 * 1024;

export interface JournalContents {
  records: unknown[];
  /** Bytes of a torn last record that were cut off (0 if none). */
  tornBytes: number;
}

export class Journal {
  private size: number;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    size: number,
  ) {
    this.size = size;
  }

  /** Opens (or creates) the journal, returns its records, and cuts off a torn tail. */
  static open(path: string): { journal: Journal; contents: JournalContents } {
    let fd: number;
    let bytes: Buffer;
    try {
      fd = openSync(path, 'a+');
      bytes = readFileSync(path);
    } catch (e) {
      throw asXdcError(e, 'ERR_LAB_IO');
    }
    try {
      const { records, goodBytes } = parse(path, bytes);
      const tornBytes = bytes.length - goodBytes;
      if (tornBytes > 0) ftruncateSync(fd, goodBytes);
      return { journal: new Journal(path, fd, goodBytes), contents: { records, tornBytes } };
    } catch (e) {
      closeSync(fd);
      throw e instanceof XdcError ? e : asXdcError(e, 'ERR_LAB_IO');
    }
  }

  get bytes(): number {
    return this.size;
  }

  append(record: unknown): void {
    if (this.closed) throw new XdcError('ERR_INTERNAL', `${this.path}: journal is closed`);
    const frame = encode(record);
    try {
      // 'a+' appends at the end whatever the position argument says.
      writeSync(this.fd, frame, 0, frame.length);
      this.size += frame.length;
    } catch (e) {
      // A partial frame would turn into mid-file corruption after the next good append.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // Nothing more to do: the next open sees a torn tail and cuts it.
      }
      const x = asXdcError(e, 'ERR_LAB_IO');
      throw new XdcError(
        x.code,
        `${this.path}: could not record the change, nothing was changed: ${x.message}`,
      );
    }
  }

  fsync(): void {
    try {
      fsyncSync(this.fd);
    } catch (e) {
      throw asXdcError(e, 'ERR_LAB_IO');
    }
  }

  /** Empties the journal (after a checkpoint holds everything it said). */
  reset(): void {
    try {
      ftruncateSync(this.fd, 0);
      fsyncSync(this.fd);
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw asXdcError(e, 'ERR_LAB_IO');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

export function encode(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(payload.length, 4);
  frame.writeUInt32LE(crc32(payload), 8);
  frame.writeUInt32LE(crc32(frame.subarray(0, 12)), 12);
  payload.copy(frame, HEADER);
  return frame;
}

function parse(path: string, bytes: Buffer): { records: unknown[]; goodBytes: number } {
  const records: unknown[] = [];
  let pos = 0;
  const damaged = (what: string): never => {
    throw new XdcError(
      'ERR_LAB_CORRUPT',
      `${path}: record ${records.length + 1} at byte ${pos} ${what}; the journal is damaged before its end, so the lab was not opened`,
    );
  };
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < HEADER) break; // torn header of the last record
    const magic = bytes.readUInt32LE(pos);
    const len = bytes.readUInt32LE(pos + 4);
    const crc = bytes.readUInt32LE(pos + 8);
    const hcrc = bytes.readUInt32LE(pos + 12);
    if (magic !== MAGIC) damaged('does not start with the record marker');
    if (crc32(bytes.subarray(pos, pos + 12)) !== hcrc || len > MAX_RECORD) damaged('has a damaged header');
    if (left < HEADER + len) break; // torn payload of the last record
    const payload = bytes.subarray(pos + HEADER, pos + HEADER + len);
    if (crc32(payload) !== crc) {
      if (pos + HEADER + len === bytes.length) break; // the last record, half written
      damaged('has a bad checksum');
    }
    try {
      records.push(JSON.parse(payload.toString('utf8')));
    } catch {
      damaged('is not valid JSON');
    }
    pos += HEADER + len;
  }
  return { records, goodBytes: pos };
}
