/**
 * One SCSI task on an iSCSI connection (RFC 7143 sections 4.2.5, 11.3-11.8): collecting its
 * data-out (immediate data, the unsolicited first burst, then R2Ts of at most MaxBurstLength,
 * up to MaxOutstandingR2T at a time), running the CDB through the node's logical units, and
 * answering: Data-In PDUs cut to the initiator's MaxRecvDataSegmentLength in sequences of at
 * most MaxBurstLength, the status in the last one (phase collapse) when GOOD, else a SCSI
 * Response with the sense data; residual overflow/underflow against the Expected Data Transfer
 * Length in both.
 */
import { COMMAND_TABLE, Opcode, type ScsiResult, ScsiSense, ScsiStatus } from '../scsi';
import type { IscsiLogicalUnits } from './node';
import type { SessionParams } from './params';
import { encodeLun, Flag, RESERVED_TAG, TargetOp, targetBhs } from './pdu';

/** Writes longer than this are refused (a bound on what one command may make us buffer). */
export const MAX_WRITE_BYTES = 64 * 1024 * 1024;
const BLOCK = 512;
const PROTOCOL_SERVICE_CRC_ERROR = 0x4705;

export type StatSnUse = 'status' | 'current' | 'none';

/** What a task needs of its connection. */
export interface TaskLink {
  readonly session: SessionParams;
  /** The initiator's MaxRecvDataSegmentLength. */
  readonly initiatorMaxData: number;
  readonly units: IscsiLogicalUnits;
  /**
   * Sends a PDU; the connection stamps StatSN (as `statSN` says), ExpCmdSN and MaxCmdSN.
   * `sent` runs once the socket has handed the whole PDU (and all before it) to the kernel; never
   * when the PDU could not be written.
   */
  send(bhs: Buffer, data: Buffer | undefined, statSN: StatSnUse, sent?: () => void): void;
  /** Memory for a READ's data-in of `bytes` bytes, or undefined (the storage allocates then). */
  readBuffer(bytes: number): Buffer | undefined;
  /** Gives back a readBuffer() buffer that nothing references any more. */
  releaseReadBuffer(buf: Buffer): void;
  newTransferTag(): number;
  finished(task: ScsiTask): void;
}

interface R2tState {
  offset: number;
  length: number;
  received: number;
  nextDataSN: number;
}

/** Data-out length the CDB itself asks for, for the write commands our LUN layer runs. */
function cdbWriteBytes(cdb: Uint8Array, blockSize: number): number | null {
  const op = cdb[0]!;
  if (!COMMAND_TABLE.has(op)) return null;
  let blocks: number;
  if (op === Opcode.WRITE_6) blocks = cdb[4]! || 256;
  else if (op === Opcode.WRITE_10) blocks = (cdb[7]! << 8) | cdb[8]!;
  else if (op === Opcode.WRITE_16)
    blocks = ((cdb[10]! << 24) | (cdb[11]! << 16) | (cdb[12]! << 8) | cdb[13]!) >>> 0;
  else return null;
  return blocks * blockSize;
}

/** The same write with its TRANSFER LENGTH set to `blocks` (WRITE(6) becomes WRITE(16): 0 means 256 there). */
function withTransferBlocks(cdb: Buffer, blocks: number): Buffer {
  const op = cdb[0]!;
  if (op === Opcode.WRITE_10) {
    const out = Buffer.from(cdb);
    out.writeUInt16BE(blocks, 7);
    return out;
  }
  if (op === Opcode.WRITE_16) {
    const out = Buffer.from(cdb);
    out.writeUInt32BE(blocks, 10);
    return out;
  }
  const out = Buffer.alloc(16);
  out[0] = Opcode.WRITE_16;
  out.writeUInt32BE(((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!, 6);
  out.writeUInt32BE(blocks, 10);
  return out;
}

export class ScsiTask {
  readonly write: boolean;
  readonly read: boolean;
  private buffer: Buffer | null = null;
  private received = 0;
  private unsolicitedEnd = 0;
  private unsolicitedDataSN = 0;
  private nextR2tOffset = 0;
  private r2tSN = 0;
  private readonly r2ts = new Map<number, R2tState>();
  private delivered = false;
  private running: Promise<void> | null = null;
  private crcError = false;
  aborted = false;
  private done = false;

  constructor(
    private readonly link: TaskLink,
    readonly itt: number,
    readonly lun: number,
    readonly cdb: Buffer,
    readonly edtl: number,
    flags: number,
    immediateData: Buffer,
  ) {
    this.read = (flags & Flag.READ) !== 0;
    this.write = (flags & Flag.WRITE) !== 0;
    if (this.write && edtl > 0 && edtl <= MAX_WRITE_BYTES) {
      this.buffer = Buffer.allocUnsafe(edtl);
      immediateData.copy(this.buffer, 0);
      this.received = immediateData.length;
      // F=1 on the command: no unsolicited Data-Out follows, only what came with it.
      const unsolicited = (flags & Flag.FINAL) === 0 && !link.session.initialR2T;
      this.unsolicitedEnd = unsolicited
        ? Math.min(link.session.firstBurstLength, edtl)
        : immediateData.length;
      this.nextR2tOffset = this.unsolicitedEnd;
    }
  }

  /** Whether all data-out has arrived. */
  private get complete(): boolean {
    return !this.buffer || this.received >= this.edtl;
  }

  /** The command's turn in CmdSN order has come. */
  deliver(): void {
    this.delivered = true;
    this.link.session;
    if (this.complete) this.start();
    else this.solicit();
  }

  /**
   * A Data-Out PDU for this task. Returns a sentence when the PDU breaks the protocol (the
   * connection rejects it), else null.
   */
  dataOut(
    ttt: number,
    dataSN: number,
    offset: number,
    data: Buffer,
    final: boolean,
    digestOk: boolean,
  ): string | null {
    if (!this.buffer) return 'Data-Out for a task that expects no data';
    if (offset + data.length > this.edtl)
      return `Data-Out past the expected transfer length (${offset}+${data.length} > ${this.edtl})`;
    let burst: { nextDataSN: number } | undefined;
    if (ttt === RESERVED_TAG) {
      if (offset + data.length > this.unsolicitedEnd) return 'unsolicited Data-Out past the first burst';
      if (dataSN !== this.unsolicitedDataSN)
        return `DataSN ${dataSN} where ${this.unsolicitedDataSN} was expected`;
      this.unsolicitedDataSN++;
    } else {
      const r2t = this.r2ts.get(ttt);
      if (!r2t) return `Data-Out with unknown Target Transfer Tag 0x${ttt.toString(16)}`;
      if (offset < r2t.offset || offset + data.length > r2t.offset + r2t.length)
        return 'Data-Out outside the range its R2T asked for';
      if (dataSN !== r2t.nextDataSN) return `DataSN ${dataSN} where ${r2t.nextDataSN} was expected`;
      r2t.nextDataSN++;
      r2t.received += data.length;
      burst = r2t;
      if (final || r2t.received >= r2t.length) this.r2ts.delete(ttt);
    }
    void burst;
    if (!digestOk) this.crcError = true;
    data.copy(this.buffer, offset);
    this.received += data.length;
    if (!this.delivered) return null;
    if (this.complete && this.r2ts.size === 0) this.start();
    else this.solicit();
    return null;
  }

  /** Issues R2Ts for the data still missing, up to MaxOutstandingR2T at a time. */
  private solicit(): void {
    if (this.aborted || this.done) return;
    const s = this.link.session;
    // Unsolicited data must all be in before the first R2T's data is counted on.
    while (this.r2ts.size < s.maxOutstandingR2T && this.nextR2tOffset < this.edtl) {
      const length = Math.min(s.maxBurstLength, this.edtl - this.nextR2tOffset);
      const ttt = this.link.newTransferTag();
      this.r2ts.set(ttt, { offset: this.nextR2tOffset, length, received: 0, nextDataSN: 0 });
      const bhs = targetBhs(TargetOp.R2T, Flag.FINAL, 0);
      encodeLun(this.lun, bhs);
      bhs.writeUInt32BE(this.itt, 16);
      bhs.writeUInt32BE(ttt, 20);
      bhs.writeUInt32BE(this.r2tSN++, 36);
      bhs.writeUInt32BE(this.nextR2tOffset, 40);
      bhs.writeUInt32BE(length, 44);
      this.nextR2tOffset += length;
      this.link.send(bhs, undefined, 'current');
    }
  }

  private start(): void {
    if (this.running || this.aborted) return;
    this.running = this.run().catch(() => {
      // run() answers every failure itself; nothing may escape into the connection.
    });
  }

  /** Waits until the task is no longer inside the LUN layer (for ABORT TASK and resets). */
  async abort(): Promise<void> {
    this.aborted = true;
    this.r2ts.clear();
    if (this.running) await this.running;
    this.finish();
  }

  private async run(): Promise<void> {
    const { units } = this.link;
    if (this.write && this.edtl > MAX_WRITE_BYTES) {
      this.respond(
        this.checkCondition(ScsiSense.illegalRequest(0x2400, { byte: 0 })),
        Flag.UNDERFLOW,
        this.edtl,
      );
      return;
    }
    if (this.crcError) {
      // RFC 7143 11.7 at ErrorRecoveryLevel 0: end the task, the initiator retries it.
      this.respond(this.checkCondition(ScsiSense.abortedCommand(PROTOCOL_SERVICE_CRC_ERROR)), 0, 0);
      return;
    }
    let dataOut: Buffer | undefined;
    if (this.write) {
      let flags = 0;
      let residual = 0;
      const need = cdbWriteBytes(this.cdb, BLOCK);
      const have = this.buffer ?? Buffer.alloc(0);
      let cdb = this.cdb;
      if (need !== null && this.edtl < need) {
        // The initiator's buffer is shorter than the CDB says (RFC 7143 11.4.5.1 overflow): write
        // only the whole blocks it sent, as tgt does, and report the rest as residual overflow.
        cdb = withTransferBlocks(this.cdb, Math.floor(this.edtl / BLOCK));
        flags = Flag.OVERFLOW;
        residual = need - this.edtl;
        dataOut = have.subarray(0, Math.floor(this.edtl / BLOCK) * BLOCK);
      } else {
        if (need !== null && this.edtl > need) {
          flags = Flag.UNDERFLOW;
          residual = this.edtl - need;
        }
        dataOut = need === null ? have : have.subarray(0, need);
      }
      const result = await units.execute(this.lun, cdb, dataOut);
      if (!this.aborted) this.respond(result, flags, residual);
      return;
    }
    // READ straight into a reusable buffer of this connection; it is sent from as it is.
    const dataIn = this.read ? this.link.readBuffer(this.edtl) : undefined;
    const result = await units.execute(this.lun, this.cdb, dataOut, dataIn ? { dataIn } : undefined);
    const inBuffer =
      dataIn !== undefined &&
      result.data.length > 0 &&
      result.data.buffer === dataIn.buffer &&
      result.data.byteOffset >= dataIn.byteOffset &&
      result.data.byteOffset + result.data.length <= dataIn.byteOffset + dataIn.length;
    if (this.aborted) {
      if (dataIn) this.link.releaseReadBuffer(dataIn);
      return;
    }
    if (dataIn && !inBuffer) this.link.releaseReadBuffer(dataIn);
    this.sendData(result, inBuffer ? dataIn : undefined);
  }

  private checkCondition(sense: Buffer): ScsiResult {
    return { status: ScsiStatus.CHECK_CONDITION, data: Buffer.alloc(0), sense };
  }

  /**
   * Data-In for a command with data to return (or none), with the status collapsed in when GOOD.
   * `backing` (the read buffer `result.data` lies in) is released once the socket has written the
   * last Data-In PDU, the last one that references it.
   */
  private sendData(result: ScsiResult, backing?: Buffer): void {
    const edtl = this.edtl;
    const data = result.data.length > edtl ? result.data.subarray(0, edtl) : result.data;
    let flags = 0;
    let residual = 0;
    if (result.data.length > edtl) {
      flags = Flag.OVERFLOW;
      residual = result.data.length - edtl;
    } else if (result.data.length < edtl) {
      flags = Flag.UNDERFLOW;
      residual = edtl - result.data.length;
    }
    const good = result.status === ScsiStatus.GOOD && !result.sense;
    if (data.length === 0) {
      if (backing) this.link.releaseReadBuffer(backing);
      this.respond(result, flags, residual);
      return;
    }
    const release = backing ? () => this.link.releaseReadBuffer(backing) : undefined;
    const { maxBurstLength } = this.link.session;
    const segment = this.link.initiatorMaxData;
    let dataSN = 0;
    for (let offset = 0; offset < data.length; ) {
      const burstEnd = Math.min(data.length, (Math.floor(offset / maxBurstLength) + 1) * maxBurstLength);
      const end = Math.min(offset + segment, burstEnd);
      const last = end === data.length;
      let f = end === burstEnd ? Flag.FINAL : 0;
      if (last && good) f |= Flag.STATUS | flags;
      const bhs = targetBhs(TargetOp.DATA_IN, f, end - offset);
      if (last && good) bhs[3] = result.status;
      bhs.writeUInt32BE(this.itt, 16);
      bhs.writeUInt32BE(RESERVED_TAG, 20);
      bhs.writeUInt32BE(dataSN++, 36);
      bhs.writeUInt32BE(offset, 40);
      if (last && good) bhs.writeUInt32BE(residual, 44);
      this.link.send(
        bhs,
        data.subarray(offset, end),
        last && good ? 'status' : 'none',
        last ? release : undefined,
      );
      offset = end;
    }
    if (good) this.finish();
    else this.respond(result, flags, residual, dataSN);
  }

  /** A SCSI Response PDU: status, residuals and (with CHECK CONDITION) the sense data. */
  private respond(result: ScsiResult, residualFlags: number, residual: number, expDataSN = this.r2tSN): void {
    if (this.aborted) return;
    let data: Buffer | undefined;
    if (result.sense) {
      data = Buffer.allocUnsafe(2 + result.sense.length);
      data.writeUInt16BE(result.sense.length, 0);
      result.sense.copy(data, 2);
    }
    const bhs = targetBhs(
      TargetOp.SCSI_RESPONSE,
      Flag.FINAL | (residual > 0 ? residualFlags : 0),
      data?.length ?? 0,
    );
    bhs[2] = 0x00; // Command Completed at Target
    bhs[3] = result.status;
    bhs.writeUInt32BE(this.itt, 16);
    bhs.writeUInt32BE(expDataSN, 36);
    bhs.writeUInt32BE(Math.max(residual, 0), 44);
    this.link.send(bhs, data, 'status');
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.link.finished(this);
  }
}
