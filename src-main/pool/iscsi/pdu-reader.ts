/**
 * Framing of the byte stream from one TCP connection into PDUs. The connection pulls one PDU at
 * a time (`next()`), so a digest setting negotiated by the PDU just handled applies to the very
 * next one, as RFC 7143 section 13.1 says (digests start after the Login Phase).
 *
 * A header digest error is returned as such: the header cannot be trusted, so the connection
 * is closed (allowed at ErrorRecoveryLevel 0). A data digest error keeps the (trusted) header
 * and says so: the caller answers with a Reject (reason Data-Digest-Error) and discards it.
 */
import { digestMatches } from './crc32c';
import { BHS_LENGTH, dataSegmentLength, type Pdu, padded, totalAhsBytes } from './pdu';

export type ReadResult =
  | { kind: 'pdu'; pdu: Pdu }
  | { kind: 'data-digest-error'; pdu: Pdu }
  | { kind: 'header-digest-error' }
  | { kind: 'too-long'; bhs: Buffer; length: number };

export class PduReader {
  headerDigest = false;
  dataDigest = false;
  /** Longest data segment this side accepts (our MaxRecvDataSegmentLength). */
  maxDataSegment = 8192;
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get pending(): number {
    return this.buffered;
  }

  /** The next complete PDU, or null when more bytes are needed. */
  next(): ReadResult | null {
    if (this.buffered < BHS_LENGTH) return null;
    const bhs = this.peek(BHS_LENGTH);
    const ahsBytes = totalAhsBytes(bhs);
    const dataLength = dataSegmentLength(bhs);
    if (dataLength > this.maxDataSegment)
      return { kind: 'too-long', bhs: Buffer.from(bhs), length: dataLength };
    const hd = this.headerDigest ? 4 : 0;
    const dd = this.dataDigest && dataLength > 0 ? 4 : 0;
    const total = BHS_LENGTH + ahsBytes + hd + padded(dataLength) + dd;
    if (this.buffered < total) return null;
    const bytes = this.take(total);
    const header = bytes.subarray(0, BHS_LENGTH + ahsBytes);
    if (hd && !digestMatches(header, bytes.subarray(header.length, header.length + 4))) {
      return { kind: 'header-digest-error' };
    }
    const dataAt = header.length + hd;
    const pdu: Pdu = {
      bhs: bytes.subarray(0, BHS_LENGTH),
      ahs: bytes.subarray(BHS_LENGTH, BHS_LENGTH + ahsBytes),
      data: bytes.subarray(dataAt, dataAt + dataLength),
    };
    if (dd) {
      const paddedData = bytes.subarray(dataAt, dataAt + padded(dataLength));
      const wire = bytes.subarray(dataAt + padded(dataLength), dataAt + padded(dataLength) + 4);
      if (!digestMatches(paddedData, wire)) return { kind: 'data-digest-error', pdu };
    }
    return { kind: 'pdu', pdu };
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, n);
  }

  /** Removes and returns the next n bytes (a view of the socket chunk when it holds them all). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const want = n - at;
      if (c.length <= want) {
        c.copy(out, at);
        at += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, at, 0, want);
        this.chunks[0] = c.subarray(want);
        at += want;
      }
    }
    return out;
  }
}
