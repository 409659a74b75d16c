/**
 * Text Requests in Full Feature Phase (RFC 7143 section 11.10-11.11): SendTargets discovery
 * (Appendix C) — All in a Discovery session, this session's own target (empty value) or a
 * named one in a Normal session — with answers longer than the initiator's
 * MaxRecvDataSegmentLength sent in pieces (C bit, a Target Transfer Tag to ask for the rest).
 * Requests split with the C bit are put back together first. Other keys: NotUnderstood.
 */
import type { Connection } from './connection';
import type { IscsiNode } from './node';
import { Flag, type Pdu, RESERVED_TAG, RejectReason, TargetOp, targetBhs } from './pdu';
import { encodeText, parseText, type TextPairs } from './text';

const CONTINUE_TAG = 0x7ffffff0;

export class TextExchange {
  private partial: Buffer[] = [];
  private remainder: { itt: number; bytes: Buffer } | null = null;

  constructor(private readonly conn: Connection) {}

  request(pdu: Pdu): void {
    const bhs = pdu.bhs;
    const itt = bhs.readUInt32BE(16);
    const ttt = bhs.readUInt32BE(20);
    if (ttt !== RESERVED_TAG) {
      // "Give me the rest" of a long answer.
      if (!this.remainder || this.remainder.itt !== itt || ttt !== CONTINUE_TAG) {
        this.conn.reject(RejectReason.INVALID_PDU_FIELD, bhs);
        return;
      }
      this.sendPiece(itt, this.remainder.bytes);
      return;
    }
    this.remainder = null;
    this.partial.push(Buffer.from(pdu.data));
    if (bhs[1]! & Flag.CONTINUE) {
      const out = targetBhs(TargetOp.TEXT_RESPONSE, 0, 0);
      out.writeUInt32BE(itt, 16);
      out.writeUInt32BE(CONTINUE_TAG, 20);
      this.conn.send(out, undefined, 'status');
      return;
    }
    const text = Buffer.concat(this.partial);
    this.partial = [];
    let pairs: TextPairs;
    try {
      pairs = parseText(text);
    } catch {
      this.conn.reject(RejectReason.PROTOCOL_ERROR, bhs);
      return;
    }
    const answer: TextPairs = [];
    for (const [key, value] of pairs) {
      if (key === 'SendTargets') answer.push(...this.sendTargets(value));
      else answer.push([key, 'NotUnderstood']);
    }
    this.sendPiece(itt, encodeText(answer));
  }

  private sendTargets(value: string): TextPairs {
    const session = this.conn.session!;
    const nodes = this.conn.portal.nodes();
    let chosen: readonly IscsiNode[];
    if (value === 'All') chosen = session.discovery ? nodes : nodes.filter((n) => n === session.node);
    else if (value === '') chosen = session.node ? [session.node] : [];
    else chosen = nodes.filter((n) => n.name === value);
    const out: TextPairs = [];
    for (const n of chosen)
      out.push(
        ['TargetName', n.name],
        ['TargetAddress', `${this.conn.portal.address},${this.conn.portal.portalGroupTag}`],
      );
    return out;
  }

  private sendPiece(itt: number, bytes: Buffer): void {
    const max = this.conn.connectionParams.initiatorMaxRecvDataSegmentLength;
    const piece = bytes.subarray(0, max);
    const more = bytes.length > max;
    this.remainder = more ? { itt, bytes: bytes.subarray(max) } : null;
    const out = targetBhs(TargetOp.TEXT_RESPONSE, more ? Flag.CONTINUE : Flag.FINAL, piece.length);
    out.writeUInt32BE(itt, 16);
    out.writeUInt32BE(more ? CONTINUE_TAG : RESERVED_TAG, 20);
    this.conn.send(out, piece, 'status');
  }
}
