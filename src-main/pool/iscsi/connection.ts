/**
 * One TCP connection of the iSCSI target: framing (PduReader), the Login Phase, then Full
 * Feature Phase dispatch — SCSI Command / Data-Out (ScsiTask), NOP-Out, Task Management, Text
 * (SendTargets), Logout, SNACK — and the sending side (digests, padding, StatSN, ExpCmdSN,
 * MaxCmdSN on every PDU). Any malformed PDU ends in a Reject or a clean close of this
 * connection; nothing thrown here may reach the pool.
 */
import type { Socket } from 'node:net';
import { crc32c, digestBytes } from './crc32c';
import { type LoginDone, LoginFailure, type LoginHost, LoginPhase } from './login';
import type { IscsiNode } from './node';
import {
  type ConnectionParams,
  defaultConnectionParams,
  defaultSessionParams,
  type SessionParams,
} from './params';
import {
  BHS_LENGTH,
  decodeLun,
  Flag,
  InitiatorOp,
  isImmediate,
  opcodeName,
  type Pdu,
  padded,
  pduOpcode,
  RESERVED_TAG,
  RejectReason,
  TargetOp,
  targetBhs,
} from './pdu';
import { PduReader, type ReadResult } from './pdu-reader';
import { ReadBufferPool } from './read-buffers';
import { ScsiTask, type StatSnUse, type TaskLink } from './scsi-task';
import type { Session, SessionConnection } from './session';
import { answerTaskManagement } from './task-management';
import { TextExchange } from './text-exchange';

const PAD = [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(2), Buffer.alloc(3)];
const EMPTY = Buffer.alloc(0);

/** What a connection needs of the portal it was accepted on. */
export interface PortalSide extends LoginHost {
  readonly address: string;
  nodes(): readonly IscsiNode[];
  /** Creates or joins the session for a finished login; throws LoginFailure when it cannot. */
  enterSession(conn: Connection, done: LoginDone, firstCmdSN: number): Session;
  /** Every session logged in to `node` (a LOGICAL UNIT RESET reaches all of them). */
  sessionsOf(node: IscsiNode): readonly Session[];
  connectionClosed(conn: Connection): void;
  log(line: string): void;
}

export class Connection implements SessionConnection {
  cid = 0;
  private readonly reader = new PduReader();
  private statSN = 1;
  private phase: 'login' | 'full' | 'closed' = 'login';
  private readonly login: LoginPhase;
  session: Session | null = null;
  private params: ConnectionParams = defaultConnectionParams();
  private sessionParams: SessionParams = defaultSessionParams();
  private readonly tasks = new Map<number, ScsiTask>();
  private transferTag = 1;
  private firstCmdSN = 0;
  private readonly text = new TextExchange(this);
  private readonly readBuffers = new ReadBufferPool();
  private batching = false;

  constructor(
    private readonly socket: Socket,
    readonly portal: PortalSide,
  ) {
    this.reader.maxDataSegment = this.params.targetMaxRecvDataSegmentLength;
    this.login = new LoginPhase(portal, () => this.statSN++);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('peer closed the connection'));
  }

  private get closed(): boolean {
    return this.phase === 'closed';
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.reader.push(chunk);
    try {
      for (let r = this.reader.next(); r; r = this.closed ? null : this.reader.next()) this.onPdu(r);
    } catch (e) {
      this.portal.log(
        `iSCSI ${this.remote}: internal error, closing the connection: ${e instanceof Error ? e.stack : String(e)}`,
      );
      this.close('internal error');
    }
  }

  private onPdu(r: ReadResult): void {
    if (r.kind === 'header-digest-error') {
      this.close('header digest error');
      return;
    }
    if (r.kind === 'too-long') {
      this.reject(RejectReason.PROTOCOL_ERROR, r.bhs);
      this.close(`data segment of ${r.length} bytes is over MaxRecvDataSegmentLength`);
      return;
    }
    const pdu = r.pdu;
    const op = pduOpcode(pdu.bhs);
    if (this.phase === 'login') {
      if (op !== InitiatorOp.LOGIN_REQUEST) {
        // RFC 7143 6.3: only Login Requests before Full Feature Phase; anything else ends it.
        this.close(`${opcodeName(op)} during the Login Phase`);
        return;
      }
      this.onLogin(pdu);
      return;
    }
    if (r.kind === 'data-digest-error') {
      this.reject(RejectReason.DATA_DIGEST_ERROR, pdu.bhs);
      if (op === InitiatorOp.DATA_OUT) this.onDataOut(pdu, false);
      return;
    }
    this.dispatch(op, pdu);
  }

  private dispatch(op: number, pdu: Pdu): void {
    const bhs = pdu.bhs;
    const session = this.session!;
    switch (op) {
      case InitiatorOp.SCSI_COMMAND:
        this.onScsiCommand(pdu);
        return;
      case InitiatorOp.DATA_OUT:
        this.onDataOut(pdu, true);
        return;
      case InitiatorOp.NOP_OUT:
        this.onNopOut(pdu);
        return;
      case InitiatorOp.TASK_MGMT_REQUEST:
        if (session.discovery) {
          this.reject(RejectReason.PROTOCOL_ERROR, bhs);
          return;
        }
        this.numbered(bhs, () => void answerTaskManagement(this, session, pdu));
        return;
      case InitiatorOp.TEXT_REQUEST:
        this.numbered(bhs, () => this.text.request(pdu));
        return;
      case InitiatorOp.LOGOUT_REQUEST:
        this.numbered(bhs, () => this.onLogout(pdu));
        return;
      case InitiatorOp.SNACK_REQUEST:
        // ErrorRecoveryLevel 0: no SNACK.
        this.reject(RejectReason.SNACK_REJECT, bhs);
        return;
      case InitiatorOp.LOGIN_REQUEST:
        this.reject(RejectReason.PROTOCOL_ERROR, bhs);
        this.close('Login Request in Full Feature Phase');
        return;
      default:
        this.reject(RejectReason.COMMAND_NOT_SUPPORTED, bhs);
    }
  }

  /** Runs a CmdSN-numbered request in its turn. */
  private numbered(bhs: Buffer, deliver: () => void): void {
    this.session!.admit(bhs.readUInt32BE(24), isImmediate(bhs), deliver);
  }

  // ---- Login ----

  private onLogin(pdu: Pdu): void {
    if (this.firstCmdSN === 0) this.firstCmdSN = pdu.bhs.readUInt32BE(24);
    const step = this.login.handle(pdu);
    if (step.failed) {
      for (const r of step.responses) this.sendRaw(r.bhs, r.data);
      this.portal.log(`iSCSI ${this.remote}: login refused: ${step.failed}`);
      this.close(`login refused: ${step.failed}`);
      return;
    }
    if (!step.done) {
      for (const r of step.responses) this.sendRaw(r.bhs, r.data);
      return;
    }
    let session: Session;
    try {
      session = this.portal.enterSession(this, step.done, pdu.bhs.readUInt32BE(24));
    } catch (e) {
      const status = e instanceof LoginFailure ? e.status : 0x0300;
      const r = step.responses[0]!;
      r.bhs[1] = 0;
      r.bhs[36] = status >> 8;
      r.bhs[37] = status & 0xff;
      r.bhs[5] = r.bhs[6] = r.bhs[7] = 0;
      this.sendRaw(r.bhs, EMPTY);
      this.close(`login refused: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.session = session;
    this.cid = step.done.identity.cid;
    this.params = step.done.negotiation.connection;
    this.sessionParams = session.params;
    for (const r of step.responses) {
      LoginPhase.setTsih(r, session.tsih);
      const w = session.window();
      r.bhs.writeUInt32BE(w.expCmdSN, 28);
      r.bhs.writeUInt32BE(w.maxCmdSN, 32);
      this.sendRaw(r.bhs, r.data);
    }
    // Digests apply from the first PDU after the last Login Response, both ways.
    this.phase = 'full';
    this.reader.headerDigest = this.params.headerDigest;
    this.reader.dataDigest = this.params.dataDigest;
    const who = session.node ? `target ${session.node.name}` : 'discovery';
    this.portal.log(
      `iSCSI ${this.remote}: ${step.done.identity.initiatorName} logged in (${who}, TSIH ${session.tsih}, CID ${this.cid}` +
        `${this.params.headerDigest ? ', header CRC32C' : ''}${this.params.dataDigest ? ', data CRC32C' : ''})`,
    );
  }

  // ---- SCSI ----

  private taskLink(node: IscsiNode): TaskLink {
    return {
      session: this.sessionParams,
      initiatorMaxData: this.params.initiatorMaxRecvDataSegmentLength,
      units: node.units,
      send: (bhs, data, use, sent) => this.send(bhs, data, use, sent),
      readBuffer: (bytes) => this.readBuffers.acquire(bytes),
      releaseReadBuffer: (buf) => this.readBuffers.release(buf),
      newTransferTag: () => {
        const t = this.transferTag;
        this.transferTag = this.transferTag >= 0x7fffffff ? 1 : this.transferTag + 1;
        return t;
      },
      finished: (task) => {
        if (this.tasks.get(task.itt) === task) {
          this.tasks.delete(task.itt);
          this.session?.taskEnded();
        }
      },
    };
  }

  private onScsiCommand(pdu: Pdu): void {
    const bhs = pdu.bhs;
    const session = this.session!;
    if (!session.node) {
      this.reject(RejectReason.PROTOCOL_ERROR, bhs);
      return;
    }
    const flags = bhs[1]!;
    const itt = bhs.readUInt32BE(16);
    const edtl = bhs.readUInt32BE(20);
    const write = (flags & Flag.WRITE) !== 0;
    if (itt === RESERVED_TAG) {
      this.reject(RejectReason.INVALID_PDU_FIELD, bhs);
      return;
    }
    if (pdu.data.length > 0) {
      const s = this.sessionParams;
      if (!write || !s.immediateData || pdu.data.length > edtl || pdu.data.length > s.firstBurstLength) {
        this.reject(RejectReason.PROTOCOL_ERROR, bhs);
        return;
      }
    }
    if (this.tasks.has(itt)) {
      this.reject(RejectReason.TASK_IN_PROGRESS, bhs);
      return;
    }
    const cdb = this.cdbOf(pdu);
    if (!cdb) {
      this.reject(RejectReason.INVALID_PDU_FIELD, bhs);
      return;
    }
    const task = new ScsiTask(
      this.taskLink(session.node),
      itt,
      decodeLun(bhs) < 0 ? 0xffff : decodeLun(bhs),
      cdb,
      edtl,
      flags,
      pdu.data,
    );
    this.tasks.set(itt, task);
    session.taskStarted();
    if (!session.admit(bhs.readUInt32BE(24), isImmediate(bhs), () => task.deliver())) {
      // Outside the command window (or a duplicate): silently ignored, as RFC 7143 4.2.2.1 says.
      this.tasks.delete(itt);
      session.taskEnded();
    }
  }

  /** The CDB: 16 bytes of the BHS, plus an Extended CDB AHS (type 1) for longer ones. */
  private cdbOf(pdu: Pdu): Buffer | null {
    const base = pdu.bhs.subarray(32, 48);
    if (pdu.ahs.length === 0) return Buffer.from(base);
    let at = 0;
    while (at + 4 <= pdu.ahs.length) {
      const len = pdu.ahs.readUInt16BE(at);
      const type = pdu.ahs[at + 2]!;
      if (at + 3 + len > pdu.ahs.length) return null;
      if (type === 0x01) return Buffer.concat([base, pdu.ahs.subarray(at + 4, at + 3 + len)]);
      at += 4 * Math.ceil((3 + len) / 4);
    }
    return Buffer.from(base);
  }

  private onDataOut(pdu: Pdu, digestOk: boolean): void {
    const bhs = pdu.bhs;
    const itt = bhs.readUInt32BE(16);
    const task = this.tasks.get(itt);
    // Data for a task that is gone (aborted, or its command was dropped): discarded.
    if (!task) return;
    const problem = task.dataOut(
      bhs.readUInt32BE(20),
      bhs.readUInt32BE(36),
      bhs.readUInt32BE(40),
      pdu.data,
      (bhs[1]! & Flag.FINAL) !== 0,
      digestOk,
    );
    if (problem) {
      this.portal.log(`iSCSI ${this.remote}: ${problem}`);
      this.reject(RejectReason.PROTOCOL_ERROR, bhs);
    }
  }

  async abortTasks(match: (t: { lun: number; itt: number }) => boolean): Promise<number> {
    const doomed = [...this.tasks.values()].filter((t) => match(t));
    await Promise.all(doomed.map((t) => t.abort()));
    return doomed.length;
  }

  findTask(itt: number): ScsiTask | undefined {
    return this.tasks.get(itt);
  }

  // ---- NOP, Logout ----

  private onNopOut(pdu: Pdu): void {
    const bhs = pdu.bhs;
    const itt = bhs.readUInt32BE(16);
    if (itt === RESERVED_TAG) {
      // A ping that wants no answer, or an answer to a NOP-In of ours (we send none).
      if (!isImmediate(bhs)) this.reject(RejectReason.PROTOCOL_ERROR, bhs);
      return;
    }
    const data = Buffer.from(pdu.data.subarray(0, this.params.initiatorMaxRecvDataSegmentLength));
    this.numbered(bhs, () => {
      const out = targetBhs(TargetOp.NOP_IN, Flag.FINAL, data.length);
      bhs.copy(out, 8, 8, 16);
      out.writeUInt32BE(itt, 16);
      out.writeUInt32BE(RESERVED_TAG, 20);
      this.send(out, data, 'status');
    });
  }

  private onLogout(pdu: Pdu): void {
    const bhs = pdu.bhs;
    const reason = bhs[1]! & 0x7f;
    const cid = bhs.readUInt16BE(20);
    const session = this.session!;
    let response = 0;
    let closeSelf = false;
    let closeSession = false;
    if (reason === 0) closeSession = true;
    else if (reason === 1) {
      if (cid === this.cid) closeSelf = true;
      else {
        const other = session.connections.get(cid);
        if (other) other.close('logged out by another connection');
        else response = 1;
      }
    } else if (reason === 2) response = 2;
    else {
      this.reject(RejectReason.INVALID_PDU_FIELD, bhs);
      return;
    }
    const out = targetBhs(TargetOp.LOGOUT_RESPONSE, Flag.FINAL, 0);
    out[2] = response;
    out.writeUInt32BE(bhs.readUInt32BE(16), 16);
    out.writeUInt16BE(0, 40);
    out.writeUInt16BE(0, 42);
    this.send(out, undefined, 'status');
    if (closeSession) {
      this.portal.log(`iSCSI ${this.remote}: session ${session.tsih} logged out`);
      this.socket.end();
      session.close('logged out');
    } else if (closeSelf) {
      this.socket.end();
      this.close('logged out');
    }
  }

  // ---- sending ----

  reject(reason: number, offending: Buffer): void {
    const out = targetBhs(TargetOp.REJECT, Flag.FINAL, BHS_LENGTH);
    out[2] = reason;
    out.writeUInt32BE(RESERVED_TAG, 16);
    const header = Buffer.from(offending.subarray(0, BHS_LENGTH));
    if (this.phase === 'full') this.send(out, header, 'status');
  }

  /** Stamps StatSN / ExpCmdSN / MaxCmdSN and sends; `sent` as in TaskLink.send. */
  send(bhs: Buffer, data: Buffer | undefined, use: StatSnUse, sent?: () => void): void {
    if (use === 'status') bhs.writeUInt32BE(this.statSN++ >>> 0, 24);
    else if (use === 'current') bhs.writeUInt32BE(this.statSN >>> 0, 24);
    if (this.statSN > 0xffffffff) this.statSN = 0;
    if (this.session) {
      const w = this.session.window();
      bhs.writeUInt32BE(w.expCmdSN, 28);
      bhs.writeUInt32BE(w.maxCmdSN, 32);
    }
    this.sendRaw(bhs, data ?? EMPTY, sent);
  }

  private sendRaw(bhs: Buffer, data: Buffer, sent?: () => void): void {
    if (this.phase === 'closed' || this.socket.destroyed) return;
    const s = this.socket;
    const digests = this.phase === 'full';
    let last: Buffer = bhs;
    const put = (b: Buffer): void => {
      s.write(last);
      last = b;
    };
    if (!this.batching) {
      // Everything sent in this turn of the event loop (several tasks' Data-In often finish
      // together) leaves in one writev.
      this.batching = true;
      s.cork();
      process.nextTick(() => {
        this.batching = false;
        s.uncork();
      });
    }
    if (digests && this.params.headerDigest) put(digestBytes(bhs));
    if (data.length > 0) {
      put(data);
      const pad = PAD[padded(data.length) - data.length]!;
      if (pad.length) put(pad);
      if (digests && this.params.dataDigest) put(digestBytes(pad, crc32c(data)));
    }
    // Writes complete in order: once the PDU's last piece is written, so is all before it. On an
    // error its bytes may still be referenced: `sent` is not called (the buffer is dropped).
    if (sent)
      s.write(last, (err) => {
        if (!err) sent();
      });
    else s.write(last);
  }

  /** For the Text exchange and TMF code in this folder. */
  get connectionParams(): ConnectionParams {
    return this.params;
  }

  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    for (const t of this.tasks.values()) {
      void t.abort();
      this.session?.taskEnded();
    }
    this.tasks.clear();
    if (!this.socket.destroyed) {
      // Let what was written (a Login Reject, a Logout Response) go out before the FIN.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    if (this.session) {
      const s = this.session;
      if (s.connections.get(this.cid) === this) s.connections.delete(this.cid);
      // ErrorRecoveryLevel 0: the session ends with its last connection.
      if (s.connections.size === 0) s.close(reason);
    }
    this.portal.connectionClosed(this);
  }
}
