import { afterEach, describe, expect, it } from 'vitest';
import { patternBytes } from '../../../src-main/pool/guest/io-pattern';
import { ADMIN } from '../../support/pool-fixture';
import { type IscsiLab, openIscsiLab } from './fixture';
import { ascq, cdb, senseKey, TestInitiator } from './initiator';

let lab: IscsiLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const MiB = 1024 * 1024;

describe('block I/O through the iSCSI target', () => {
  it('what an initiator writes to g5 LUN 1 is what `dcli io verify` sees inside the guest', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g5', { MaxBurstLength: '65536', FirstBurstLength: '16384' }, 1);
    const offset = 4 * MiB;
    const data = patternBytes(77, offset, 256 * 1024);
    const w = await i.scsi(1, cdb.write16(offset / 512, data.length / 512), { dataOut: data });
    expect(w.status).toBe(0);
    // 16 KiB immediate, then 240 KiB in R2Ts of at most 64 KiB.
    expect(w.r2ts).toBe(4);
    const ok = await lab.t.pool.dcli(
      'g5',
      `dcli io verify 1 --offset ${offset} --length 262144 --seed 77`,
      ADMIN,
    );
    expect(ok.exitCode).toBe(0);
    const bad = await lab.t.pool.dcli(
      'g5',
      `dcli io verify 1 --offset ${offset} --length 262144 --seed 78`,
      ADMIN,
    );
    expect(bad.exitCode).not.toBe(0);
  });

  it('what the guest writes with `dcli io write` an initiator reads back byte for byte, in Data-In PDUs with the status collapsed in', async () => {
    lab = await openIscsiLab();
    const w = await lab.t.pool.dcli('g3', 'dcli io write 1 --offset 1048576 --length 131072 --seed 9', ADMIN);
    expect(w.exitCode).toBe(0);
    const i = await TestInitiator.connect(lab.port);
    expect(
      (
        await i.login({
          target: lab.iqn('g3'),
          keys: { MaxRecvDataSegmentLength: '8192', MaxBurstLength: '32768' },
        })
      ).status,
    ).toBe(0);
    let r = await i.scsi(1, cdb.read16(2048, 256), { edtl: 131072 });
    if (r.status !== 0) r = await i.scsi(1, cdb.read16(2048, 256), { edtl: 131072 });
    expect(r.status).toBe(0);
    expect(r.dataIns).toBe(16);
    expect(r.data.equals(patternBytes(9, MiB, 131072))).toBe(true);
    expect(r.underflow || r.overflow).toBe(false);
    i.close();
  });

  it('R2T flows honour InitialR2T, ImmediateData, FirstBurstLength and MaxBurstLength', async () => {
    lab = await openIscsiLab();
    const data = patternBytes(5, 0, 64 * 1024);
    // No immediate data, R2T for everything, 16 KiB bursts: 4 R2Ts.
    const a = await lab.session('g4', { ImmediateData: 'No', InitialR2T: 'Yes', MaxBurstLength: '16384' });
    expect(a.immediateData).toBe(false);
    const wa = await a.scsi(0, cdb.write16(1000, 128), { dataOut: data });
    expect([wa.status, wa.r2ts]).toEqual([0, 4]);
    // Unsolicited first burst of 8 KiB (immediate 8 KiB), then 56 KiB in 16 KiB R2Ts: 4 R2Ts.
    const b = await lab.session('g4', {
      ImmediateData: 'Yes',
      InitialR2T: 'No',
      FirstBurstLength: '8192',
      MaxBurstLength: '16384',
      MaxRecvDataSegmentLength: '4096',
    });
    expect(b.initialR2T).toBe(false);
    const wb = await b.scsi(0, cdb.write16(2000, 128), { dataOut: data });
    expect([wb.status, wb.r2ts]).toEqual([0, 4]);
    // Everything unsolicited (first burst covers the write): no R2T at all.
    const c = await lab.session('g4', { InitialR2T: 'No', FirstBurstLength: '65536' });
    const wc = await c.scsi(0, cdb.write16(3000, 128), { dataOut: data });
    expect([wc.status, wc.r2ts]).toEqual([0, 0]);
    for (const lba of [1000, 2000, 3000]) {
      const r = await c.scsi(0, cdb.read16(lba, 128), { edtl: 65536 });
      expect(r.data.equals(data)).toBe(true);
    }
  });

  it('residuals: a short initiator buffer is an overflow, a long one an underflow, for reads and writes', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4');
    const under = await i.scsi(0, cdb.read16(0, 1), { edtl: 1024 });
    expect([under.status, under.underflow, under.residual, under.data.length]).toEqual([0, true, 512, 512]);
    const over = await i.scsi(0, cdb.read16(0, 2), { edtl: 256 });
    expect([over.status, over.overflow, over.residual, over.data.length]).toEqual([0, true, 768, 256]);
    const inq = await i.scsi(0, cdb.inquiry(255), { edtl: 255 });
    expect(inq.underflow).toBe(true);
    expect(inq.residual).toBe(255 - inq.data.length);
    // WRITE(10) of 2 blocks with a 1-block buffer: one block written, overflow of one block.
    await i.scsi(0, cdb.write10(50, 2), { dataOut: Buffer.alloc(1024, 0x61) });
    const w = await i.scsi(0, cdb.write10(50, 2), { dataOut: Buffer.alloc(512, 0x62) });
    expect([w.status, w.overflow, w.residual]).toEqual([0, true, 512]);
    const back = await i.scsi(0, cdb.read16(50, 2), { edtl: 1024 });
    expect(back.data.subarray(0, 512).every((b) => b === 0x62)).toBe(true);
    expect(back.data.subarray(512).every((b) => b === 0x61)).toBe(true);
    const w2 = await i.scsi(0, cdb.write10(52, 1), { dataOut: Buffer.alloc(2048, 0x63) });
    expect([w2.status, w2.underflow, w2.residual]).toEqual([0, true, 1536]);
  });

  it('with header and data digests on, I/O works; a bad data digest gets a Reject and the retried command succeeds; a bad header digest ends the connection', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4', { HeaderDigest: 'CRC32C,None', DataDigest: 'CRC32C,None' });
    expect([i.headerDigest, i.dataDigest]).toEqual([true, true]);
    const data = patternBytes(3, 0, 8192);
    expect((await i.scsi(0, cdb.write16(64, 16), { dataOut: data })).status).toBe(0);
    expect((await i.scsi(0, cdb.read16(64, 16), { edtl: 8192 })).data.equals(data)).toBe(true);

    // A write whose immediate data arrives with a bad digest: Reject (reason 0x02) and no write.
    const other = patternBytes(4, 0, 512);
    const cmdSN = i.cmdSN;
    const bhs = i.commandBhs(0, cdb.write16(64, 1), 512, { write: true });
    i.send(bhs, other, 'data-digest');
    const rej = await i.next();
    expect(rej?.opcode).toBe(0x3f);
    expect(rej!.bhs[2]).toBe(0x02);
    expect(rej!.data.subarray(0, 48).equals(bhs)).toBe(true);
    // The rejected command's CmdSN was not taken: the retry with the same CmdSN runs.
    i.cmdSN = cmdSN;
    expect((await i.scsi(0, cdb.write16(64, 1), { dataOut: other })).status).toBe(0);
    expect((await i.scsi(0, cdb.read16(64, 1), { edtl: 512 })).data.equals(other)).toBe(true);

    i.send(i.commandBhs(0, cdb.testUnitReady(), 0, {}), Buffer.alloc(0), 'header-digest');
    expect(await i.next()).toBeNull();
    expect(i.closed).toBe(true);
  });

  it('a LUN whose volume the serving host no longer owns answers NOT READY 04/0B, never stale data', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4');
    expect((await i.scsi(0, cdb.read16(0, 8), { edtl: 4096 })).status).toBe(0);
    const vm = lab.t.pool.guests.get('g4')!;
    await lab.t.clock.run(vm.host.volumeClient.release(vm.vbds[0]!.vdiId));
    const r = await i.scsi(0, cdb.read16(0, 8), { edtl: 4096 });
    expect(r.status).toBe(2);
    expect(senseKey(r.sense)).toBe(0x02);
    expect(ascq(r.sense)).toBe(0x040b);
    expect(r.data.length).toBe(0);
  });

  it('reservations are refused as the LUN layer refuses them: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g1');
    const prin = Buffer.from([0x5e, 0x00, 0, 0, 0, 0, 0, 0x10, 0x00, 0]);
    const prout = Buffer.from([0x5f, 0x01, 0, 0, 0, 0, 0, 0, 24, 0]);
    for (const [c, out] of [
      [prin, undefined],
      [prout, Buffer.alloc(24)],
      [Buffer.from([0x16, 0, 0, 0, 0, 0]), undefined],
      [Buffer.from([0x17, 0, 0, 0, 0, 0]), undefined],
    ] as const) {
      const r = await i.scsi(0, c, out ? { dataOut: Buffer.from(out) } : { edtl: c[0] === 0x5e ? 16 : 0 });
      expect(r.status).toBe(2);
      expect(senseKey(r.sense)).toBe(0x05);
      expect(ascq(r.sense)).toBe(0x2000);
    }
  });
});
