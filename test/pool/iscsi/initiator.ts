/**
 * A small but real iSCSI initiator for the tests: a TCP socket, PDUs built byte by byte from
 * RFC 7143, login (None or CHAP-MD5, digests), SCSI commands with R2T / Data-Out and Data-In,
 * NOP, Text, TMF, Logout. It frames replies with its own code so the target is checked by an
 * independent reader (only the CRC32C function, tested against RFC vectors, is shared).
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { crc32c } from '../../../src-main/pool/iscsi/crc32c';

export interface RxPdu {
  opcode: number;
  bhs: Buffer;
  data: Buffer;
}

export interface ScsiReply {
  status: number;
  data: Buffer;
  sense: Buffer | null;
  overflow: boolean;
  underflow: boolean;
  residual: number;
  r2ts: number;
  dataIns: number;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function digest(b: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(crc32c(b), 0);
  return out;
}

export function textOf(pairs: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(pairs)
      .map(([k, v]) => `${k}=${v}\0`)
      .join(''),
  );
}

export function pairsOf(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of data.toString().split('\0')) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export class TestInitiator {
  headerDigest = false;
  dataDigest = false;
  cmdSN = 1;
  expStatSN = 0;
  itt = 1;
  maxBurst = 262144;
  firstBurst = 65536;
  immediateData = true;
  initialR2T = true;
  targetMaxData = 8192;
  maxCmdSN = 0;
  tsih = 0;
  isid = Buffer.from([0x80, 0x12, 0x34, 0x56, 0x78, 0x9a]);
  private buf = Buffer.alloc(0);
  private queue: RxPdu[] = [];
  private waiters: Array<(p: RxPdu | null) => void> = [];
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => this.onData(c));
    this.closedPromise = new Promise((resolve) => {
      const done = () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(null);
        resolve();
      };
      socket.on('close', done);
      socket.on('error', () => undefined);
    });
  }

  static connect(port: number): Promise<TestInitiator> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new TestInitiator(s)));
      s.once('error', reject);
    });
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      if (this.buf.length < 48) return;
      const ahs = this.buf[4]! * 4;
      const dsl = (this.buf[5]! << 16) | (this.buf[6]! << 8) | this.buf[7]!;
      const hd = this.headerDigest ? 4 : 0;
      const dd = this.dataDigest && dsl > 0 ? 4 : 0;
      const total = 48 + ahs + hd + pad4(dsl) + dd;
      if (this.buf.length < total) return;
      const bhs = Buffer.from(this.buf.subarray(0, 48));
      if (hd && !digest(this.buf.subarray(0, 48 + ahs)).equals(this.buf.subarray(48 + ahs, 48 + ahs + 4))) {
        throw new Error('bad header digest from target');
      }
      const at = 48 + ahs + hd;
      const data = Buffer.from(this.buf.subarray(at, at + dsl));
      if (
        dd &&
        !digest(this.buf.subarray(at, at + pad4(dsl))).equals(
          this.buf.subarray(at + pad4(dsl), at + pad4(dsl) + 4),
        )
      ) {
        throw new Error('bad data digest from target');
      }
      this.buf = this.buf.subarray(total);
      const pdu = { opcode: bhs[0]! & 0x3f, bhs, data };
      if (
        [0x21, 0x22, 0x23, 0x24, 0x26, 0x3f, 0x20].includes(pdu.opcode) ||
        (pdu.opcode === 0x25 && bhs[1]! & 1)
      ) {
        if (pdu.opcode !== 0x20 || bhs.readUInt32BE(16) !== 0xffffffff)
          this.expStatSN = (bhs.readUInt32BE(24) + 1) >>> 0;
      }
      if (pdu.opcode !== 0x23) this.maxCmdSN = bhs.readUInt32BE(32);
      const w = this.waiters.shift();
      if (w) w(pdu);
      else this.queue.push(pdu);
    }
  }

  /** The next PDU from the target, or null if the connection closed / nothing came in time. */
  next(ms = 3000): Promise<RxPdu | null> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, ms);
      const w = (p: RxPdu | null) => {
        clearTimeout(timer);
        resolve(p);
      };
      this.waiters.push(w);
    });
  }

  /** Sends one PDU; `corrupt` flips a bit in the header or data digest. */
  send(bhs: Buffer, data: Buffer = Buffer.alloc(0), corrupt?: 'header-digest' | 'data-digest'): void {
    bhs[5] = (data.length >> 16) & 0xff;
    bhs[6] = (data.length >> 8) & 0xff;
    bhs[7] = data.length & 0xff;
    const parts: Buffer[] = [bhs];
    if (this.headerDigest) {
      const d = digest(bhs);
      if (corrupt === 'header-digest') d[0]! ^= 1;
      parts.push(d);
    }
    if (data.length) {
      const padded = Buffer.concat([data, Buffer.alloc(pad4(data.length) - data.length)]);
      parts.push(padded);
      if (this.dataDigest) {
        const d = digest(padded);
        if (corrupt === 'data-digest') d[0]! ^= 1;
        parts.push(d);
      }
    }
    this.socket.write(Buffer.concat(parts));
  }

  bhs(opcode: number, flags: number, immediate = false): Buffer {
    const b = Buffer.alloc(48);
    b[0] = opcode | (immediate ? 0x40 : 0);
    b[1] = flags;
    return b;
  }

  // ---- login ----

  async login(o: {
    target?: string;
    discovery?: boolean;
    chap?: { user: string; secret: string; mutual?: { secret: string } };
    keys?: Record<string, string>;
    cid?: number;
  }): Promise<{ status: number; keys: Record<string, string> }> {
    const all: Record<string, string> = {};
    const base: Record<string, string> = {
      InitiatorName: 'iqn.2026-11.test:initiator',
      SessionType: o.discovery ? 'Discovery' : 'Normal',
      ...(o.target ? { TargetName: o.target } : {}),
    };
    const loginPdu = (csg: number, nsg: number, transit: boolean, text: Record<string, string>) => {
      const b = this.bhs(0x03, (transit ? 0x80 : 0) | (csg << 2) | nsg, true);
      this.isid.copy(b, 8);
      b.writeUInt16BE(this.tsih, 14);
      b.writeUInt32BE(this.itt, 16);
      b.writeUInt16BE(o.cid ?? 0, 20);
      b.writeUInt32BE(this.cmdSN, 24);
      b.writeUInt32BE(this.expStatSN, 28);
      this.send(b, textOf(text));
    };
    const reply = async () => {
      const r = await this.next();
      if (r?.opcode !== 0x23) return null;
      Object.assign(all, pairsOf(r.data));
      return r;
    };
    const statusOf = (r: RxPdu) => r.bhs.readUInt16BE(36);
    const ops: Record<string, string> = {
      HeaderDigest: 'None',
      DataDigest: 'None',
      MaxRecvDataSegmentLength: '262144',
      ...(o.keys ?? {}),
    };
    if (o.chap) {
      loginPdu(0, 1, false, { ...base, AuthMethod: 'CHAP,None' });
      let r = await reply();
      if (!r) return { status: -1, keys: all };
      if (statusOf(r)) return { status: statusOf(r), keys: all };
      loginPdu(0, 1, false, { CHAP_A: '5' });
      r = await reply();
      if (!r) return { status: -1, keys: all };
      if (statusOf(r)) return { status: statusOf(r), keys: all };
      const id = Number(all.CHAP_I);
      const challenge = Buffer.from(all.CHAP_C!.slice(2), 'hex');
      const resp = createHash('md5')
        .update(Buffer.from([id]))
        .update(o.chap.secret)
        .update(challenge)
        .digest();
      const answer: Record<string, string> = { CHAP_N: o.chap.user, CHAP_R: `0x${resp.toString('hex')}` };
      const myChallenge = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
      if (o.chap.mutual) Object.assign(answer, { CHAP_I: '7', CHAP_C: `0x${myChallenge.toString('hex')}` });
      loginPdu(0, 1, true, answer);
      r = await reply();
      if (!r) return { status: -1, keys: all };
      if (statusOf(r)) return { status: statusOf(r), keys: all };
      if (o.chap.mutual) {
        const expect = createHash('md5')
          .update(Buffer.from([7]))
          .update(o.chap.mutual.secret)
          .update(myChallenge)
          .digest();
        if (all.CHAP_R !== `0x${expect.toString('hex')}`) return { status: -2, keys: all };
      }
      loginPdu(1, 3, true, ops);
    } else {
      loginPdu(1, 3, true, { ...base, ...ops });
    }
    const r = await reply();
    if (!r) return { status: -1, keys: all };
    const status = statusOf(r);
    if (status === 0) {
      this.tsih = r.bhs.readUInt16BE(14);
      this.maxCmdSN = r.bhs.readUInt32BE(32);
      this.expStatSN = (r.bhs.readUInt32BE(24) + 1) >>> 0;
      this.headerDigest = all.HeaderDigest === 'CRC32C';
      this.dataDigest = all.DataDigest === 'CRC32C';
      if (all.MaxBurstLength) this.maxBurst = Number(all.MaxBurstLength);
      if (all.FirstBurstLength) this.firstBurst = Number(all.FirstBurstLength);
      if (all.ImmediateData) this.immediateData = all.ImmediateData === 'Yes';
      if (all.InitialR2T) this.initialR2T = all.InitialR2T === 'Yes';
      if (all.MaxRecvDataSegmentLength) this.targetMaxData = Number(all.MaxRecvDataSegmentLength);
      this.itt++;
    }
    return { status, keys: all };
  }

  // ---- full feature ----

  /** A SCSI command PDU header (not sent). */
  commandBhs(
    lun: number,
    cdb: Uint8Array,
    edtl: number,
    flags: { read?: boolean; write?: boolean; final?: boolean },
    itt = this.itt++,
  ): Buffer {
    const b = this.bhs(
      0x01,
      (flags.final === false ? 0 : 0x80) | (flags.read ? 0x40 : 0) | (flags.write ? 0x20 : 0) | 1,
    );
    b[9] = lun;
    b.writeUInt32BE(itt, 16);
    b.writeUInt32BE(edtl, 20);
    b.writeUInt32BE(this.cmdSN, 24);
    this.cmdSN = (this.cmdSN + 1) >>> 0;
    b.writeUInt32BE(this.expStatSN, 28);
    Buffer.from(cdb).copy(b, 32, 0, Math.min(16, cdb.length));
    return b;
  }

  dataOutBhs(itt: number, ttt: number, dataSN: number, offset: number, final: boolean, lun = 0): Buffer {
    const b = this.bhs(0x05, final ? 0x80 : 0);
    b[9] = lun;
    b.writeUInt32BE(itt, 16);
    b.writeUInt32BE(ttt, 20);
    b.writeUInt32BE(this.expStatSN, 28);
    b.writeUInt32BE(dataSN, 36);
    b.writeUInt32BE(offset, 40);
    return b;
  }

  /** Runs one SCSI command to completion, answering R2Ts with Data-Out. */
  async scsi(
    lun: number,
    cdb: Uint8Array,
    o: { dataOut?: Buffer; edtl?: number; read?: boolean } = {},
  ): Promise<ScsiReply> {
    const write = o.dataOut !== undefined;
    const edtl = o.edtl ?? (write ? o.dataOut!.length : 0);
    const out = o.dataOut ?? Buffer.alloc(0);
    const itt = this.itt++;
    const immediate =
      write && this.immediateData
        ? out.subarray(0, Math.min(this.firstBurst, this.targetMaxData, out.length))
        : Buffer.alloc(0);
    const unsolicited = write && !this.initialR2T ? Math.min(this.firstBurst, out.length) : immediate.length;
    const cmd = this.commandBhs(
      lun,
      cdb,
      edtl,
      { read: o.read ?? !write, write, final: unsolicited <= immediate.length },
      itt,
    );
    this.send(cmd, immediate);
    // Unsolicited Data-Out for the rest of the first burst.
    for (let off = immediate.length, sn = 0; off < unsolicited; sn++) {
      const n = Math.min(this.targetMaxData, unsolicited - off);
      this.send(
        this.dataOutBhs(itt, 0xffffffff, sn, off, off + n >= unsolicited, lun),
        out.subarray(off, off + n),
      );
      off += n;
    }
    const chunks: Buffer[] = [];
    let r2ts = 0;
    let dataIns = 0;
    for (;;) {
      const p = await this.next();
      if (!p) throw new Error('connection closed or silent during a SCSI command');
      if (p.opcode === 0x31) {
        r2ts++;
        const ttt = p.bhs.readUInt32BE(20);
        const off0 = p.bhs.readUInt32BE(40);
        const len = p.bhs.readUInt32BE(44);
        for (let off = off0, sn = 0; off < off0 + len; sn++) {
          const n = Math.min(this.targetMaxData, off0 + len - off);
          this.send(
            this.dataOutBhs(itt, ttt, sn, off, off + n >= off0 + len, lun),
            out.subarray(off, off + n),
          );
          off += n;
        }
        continue;
      }
      if (p.opcode === 0x25) {
        dataIns++;
        chunks.push(p.data);
        if (p.bhs[1]! & 0x01) {
          return {
            status: p.bhs[3]!,
            data: Buffer.concat(chunks),
            sense: null,
            overflow: (p.bhs[1]! & 0x04) !== 0,
            underflow: (p.bhs[1]! & 0x02) !== 0,
            residual: p.bhs.readUInt32BE(44),
            r2ts,
            dataIns,
          };
        }
        continue;
      }
      if (p.opcode === 0x21) {
        const senseLen = p.data.length >= 2 ? p.data.readUInt16BE(0) : 0;
        return {
          status: p.bhs[3]!,
          data: Buffer.concat(chunks),
          sense: senseLen ? p.data.subarray(2, 2 + senseLen) : null,
          overflow: (p.bhs[1]! & 0x04) !== 0,
          underflow: (p.bhs[1]! & 0x02) !== 0,
          residual: p.bhs.readUInt32BE(44),
          r2ts,
          dataIns,
        };
      }
      throw new Error(`unexpected opcode 0x${p.opcode.toString(16)} during a SCSI command`);
    }
  }

  nopOut(data: Buffer, itt = this.itt++): void {
    const b = this.bhs(0x00, 0x80, true);
    b.writeUInt32BE(itt, 16);
    b.writeUInt32BE(0xffffffff, 20);
    b.writeUInt32BE(this.cmdSN, 24);
    b.writeUInt32BE(this.expStatSN, 28);
    this.send(b, data);
  }

  text(pairs: Record<string, string>, ttt = 0xffffffff, itt = this.itt++): number {
    const b = this.bhs(0x04, 0x80);
    b.writeUInt32BE(itt, 16);
    b.writeUInt32BE(ttt, 20);
    b.writeUInt32BE(this.cmdSN, 24);
    this.cmdSN++;
    b.writeUInt32BE(this.expStatSN, 28);
    this.send(b, textOf(pairs));
    return itt;
  }

  tmf(fn: number, lun: number, refItt = 0xffffffff, refCmdSN = 0): void {
    const b = this.bhs(0x02, 0x80 | fn, true);
    b[9] = lun;
    b.writeUInt32BE(this.itt++, 16);
    b.writeUInt32BE(refItt, 20);
    b.writeUInt32BE(this.cmdSN, 24);
    b.writeUInt32BE(this.expStatSN, 28);
    b.writeUInt32BE(refCmdSN, 32);
    this.send(b);
  }

  logout(reason = 0, cid = 0): void {
    const b = this.bhs(0x06, 0x80 | reason, true);
    b.writeUInt32BE(this.itt++, 16);
    b.writeUInt16BE(cid, 20);
    b.writeUInt32BE(this.cmdSN, 24);
    b.writeUInt32BE(this.expStatSN, 28);
    this.send(b);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** CDB builders. */
export const cdb = {
  read16(lba: number, blocks: number): Buffer {
    const c = Buffer.alloc(16);
    c[0] = 0x88;
    c.writeUInt32BE(Math.floor(lba / 2 ** 32), 2);
    c.writeUInt32BE(lba >>> 0, 6);
    c.writeUInt32BE(blocks, 10);
    return c;
  },
  write16(lba: number, blocks: number): Buffer {
    const c = cdb.read16(lba, blocks);
    c[0] = 0x8a;
    return c;
  },
  write10(lba: number, blocks: number): Buffer {
    const c = Buffer.alloc(10);
    c[0] = 0x2a;
    c.writeUInt32BE(lba, 2);
    c.writeUInt16BE(blocks, 7);
    return c;
  },
  inquiry(alloc = 96): Buffer {
    return Buffer.from([0x12, 0, 0, 0, alloc, 0]);
  },
  testUnitReady(): Buffer {
    return Buffer.alloc(6);
  },
  readCapacity16(): Buffer {
    const c = Buffer.alloc(16);
    c[0] = 0x9e;
    c[1] = 0x10;
    c[13] = 32;
    return c;
  },
};

export function senseKey(s: Buffer | null): number {
  return s ? s[2]! & 0x0f : -1;
}

export function ascq(s: Buffer | null): number {
  return s ? (s[12]! << 8) | s[13]! : -1;
}
