import { afterEach, describe, expect, it } from 'vitest';
import { patternBytes } from '../../../src-main/pool/guest/io-pattern';
import { type IscsiLab, openIscsiLab } from './fixture';
import { ascq, cdb, senseKey, TestInitiator } from './initiator';

let lab: IscsiLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

describe('iSCSI sessions in Full Feature Phase', () => {
  it('NOP-Out is echoed by a NOP-In with the same tag and data, advancing StatSN', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4');
    const before = i.expStatSN;
    i.nopOut(Buffer.from('ping from the test initiator'), 0x1234);
    const p = await i.next();
    expect(p?.opcode).toBe(0x20);
    expect(p!.bhs.readUInt32BE(16)).toBe(0x1234);
    expect(p!.bhs.readUInt32BE(20)).toBe(0xffffffff);
    expect(p!.data.toString()).toBe('ping from the test initiator');
    expect(p!.bhs.readUInt32BE(24)).toBe(before);
    expect(i.expStatSN).toBe(before + 1);
  });

  it('ABORT TASK ends a write still waiting for its data: no SCSI Response for it, and the session goes on', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4', { ImmediateData: 'No', InitialR2T: 'Yes' });
    const itt = 0x5151;
    const cmdSN = i.cmdSN;
    i.send(i.commandBhs(0, cdb.write16(10, 8), 4096, { write: true }, itt));
    const r2t = await i.next();
    expect(r2t?.opcode).toBe(0x31);
    expect(r2t!.bhs.readUInt32BE(44)).toBe(4096);
    i.tmf(1, 0, itt, cmdSN);
    const resp = await i.next();
    expect(resp?.opcode).toBe(0x22);
    expect(resp!.bhs[2]).toBe(0); // Function complete
    expect(await i.next(200)).toBeNull(); // nothing more for the aborted task
    // ABORT TASK of a tag that was never used, with a RefCmdSN not yet seen: task does not exist.
    i.tmf(1, 0, 0x9999, i.cmdSN + 5);
    expect((await i.next())!.bhs[2]).toBe(1);
    expect((await i.scsi(0, cdb.testUnitReady())).status).toBe(0);
  });

  it('LOGICAL UNIT RESET completes and the LUN reports POWER ON, RESET next; other functions get their RFC answers', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g1');
    i.tmf(5, 1);
    expect((await i.next())!.bhs[2]).toBe(0);
    const r = await i.scsi(1, cdb.testUnitReady());
    expect([r.status, senseKey(r.sense), ascq(r.sense)]).toEqual([2, 0x06, 0x2900]);
    expect((await i.scsi(1, cdb.testUnitReady())).status).toBe(0);
    i.tmf(5, 7); // no LUN 7 on g1
    expect((await i.next())!.bhs[2]).toBe(2);
    i.tmf(8, 0); // TASK REASSIGN at ErrorRecoveryLevel 0
    expect((await i.next())!.bhs[2]).toBe(4);
    i.tmf(3, 0); // CLEAR ACA
    expect((await i.next())!.bhs[2]).toBe(5);
    i.tmf(0x50, 0);
    expect((await i.next())!.bhs[2]).toBe(255);
  });

  it('Logout closes the session: a Logout Response, then the target closes the connection', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g2');
    expect(lab.portal.sessionInfo()).toHaveLength(1);
    i.logout(0);
    const p = await i.next();
    expect(p?.opcode).toBe(0x26);
    expect(p!.bhs[2]).toBe(0);
    await i.closedPromise;
    expect(lab.portal.sessionInfo()).toHaveLength(0);
  });

  it('two sessions at once, on two guests, read and write their own LUNs concurrently', async () => {
    lab = await openIscsiLab();
    const a = await lab.session('g1', undefined, 1);
    const b = await lab.session('g5', undefined, 1);
    const da = patternBytes(1, 0, 65536);
    const db = patternBytes(2, 0, 65536);
    const [wa, wb] = await Promise.all([
      a.scsi(1, cdb.write16(0, 128), { dataOut: da }),
      b.scsi(1, cdb.write16(0, 128), { dataOut: db }),
    ]);
    expect([wa.status, wb.status]).toEqual([0, 0]);
    const [ra, rb] = await Promise.all([
      a.scsi(1, cdb.read16(0, 128), { edtl: 65536 }),
      b.scsi(1, cdb.read16(0, 128), { edtl: 65536 }),
    ]);
    expect(ra.data.equals(da)).toBe(true);
    expect(rb.data.equals(db)).toBe(true);
    expect(
      lab.portal
        .sessionInfo()
        .map((s) => s.target)
        .sort(),
    ).toEqual([lab.iqn('g1'), lab.iqn('g5')]);
  });

  it('a command outside the CmdSN window is ignored; the window then goes on where it was', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4');
    const cmdSN = i.cmdSN;
    i.cmdSN = (i.maxCmdSN + 10) >>> 0;
    i.send(i.commandBhs(0, cdb.testUnitReady(), 0, {}));
    expect(await i.next(200)).toBeNull();
    i.cmdSN = cmdSN;
    const r = await i.scsi(0, cdb.testUnitReady());
    expect(r.status).toBe(0);
  });

  it('a second connection joins the session (MaxConnections 2) and a new login with the same ISID reinstates the session', async () => {
    lab = await openIscsiLab();
    const first = await lab.session('g4', { MaxConnections: '2' });
    const second = await TestInitiator.connect(lab.port);
    second.tsih = first.tsih;
    second.cmdSN = first.cmdSN;
    const r = await second.login({ target: lab.iqn('g4'), cid: 1 });
    expect(r.status).toBe(0);
    expect(second.tsih).toBe(first.tsih);
    expect(lab.portal.sessionInfo()).toEqual([expect.objectContaining({ tsih: first.tsih, connections: 2 })]);
    const read = await second.scsi(0, cdb.read16(0, 1), { edtl: 512 });
    expect(read.status).toBe(0);
    // A third connection is one too many.
    const third = await TestInitiator.connect(lab.port);
    third.tsih = first.tsih;
    expect((await third.login({ target: lab.iqn('g4'), cid: 2 })).status).toBe(0x0206);
    // Same initiator name and ISID, TSIH 0: the old session is replaced.
    const again = await TestInitiator.connect(lab.port);
    expect((await again.login({ target: lab.iqn('g4') })).status).toBe(0);
    await first.closedPromise;
    await second.closedPromise;
    expect(lab.portal.sessionInfo()).toHaveLength(1);
  });

  it('an unknown opcode gets Reject "command not supported", a SNACK "SNACK reject", and the connection stays up', async () => {
    lab = await openIscsiLab();
    const i = await lab.session('g4');
    i.send(i.bhs(0x1c, 0x80, true));
    const a = await i.next();
    expect([a?.opcode, a?.bhs[2]]).toEqual([0x3f, 0x05]);
    i.send(i.bhs(0x10, 0x80));
    const b = await i.next();
    expect([b?.opcode, b?.bhs[2]]).toEqual([0x3f, 0x03]);
    expect((await i.scsi(0, cdb.testUnitReady())).status).toBe(0);
  });
});
