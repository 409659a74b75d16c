import { afterEach, describe, expect, it } from 'vitest';
import { type IscsiLab, openIscsiLab } from './fixture';
import { pairsOf, TestInitiator } from './initiator';

let lab: IscsiLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const SECRET = 'lab-chap-secret-16';

describe('iSCSI login and discovery', () => {
  it('an initiator without CHAP logs in to g4 and gets each negotiated key by its result function', async () => {
    lab = await openIscsiLab();
    const i = await TestInitiator.connect(lab.port);
    const r = await i.login({
      target: lab.iqn('g4'),
      keys: {
        MaxBurstLength: '1048576',
        FirstBurstLength: '16777215',
        InitialR2T: 'No',
        ImmediateData: 'Yes',
        MaxConnections: '8',
        MaxOutstandingR2T: '64',
        ErrorRecoveryLevel: '2',
        DefaultTime2Wait: '0',
        DataPDUInOrder: 'No',
        'X-com.example.Thing': 'yes',
      },
    });
    expect(r.status).toBe(0);
    expect(i.tsih).toBeGreaterThan(0);
    expect(r.keys).toMatchObject({
      MaxBurstLength: '1048576', // min
      FirstBurstLength: '1048576', // min, and never above MaxBurstLength
      InitialR2T: 'No', // OR
      ImmediateData: 'Yes', // AND
      MaxConnections: '4', // min with ours
      MaxOutstandingR2T: '16',
      ErrorRecoveryLevel: '0',
      DefaultTime2Wait: '2', // max
      DataPDUInOrder: 'Yes', // OR with our Yes
      'X-com.example.Thing': 'NotUnderstood',
      TargetPortalGroupTag: '1',
      TargetAlias: 'lnx-web01',
      MaxRecvDataSegmentLength: '262144',
    });
    i.close();
  });

  it('SendTargets=All in a discovery session lists one target per guest at 127.0.0.1', async () => {
    lab = await openIscsiLab();
    const i = await TestInitiator.connect(lab.port);
    expect((await i.login({ discovery: true })).status).toBe(0);
    const itt = i.text({ SendTargets: 'All' });
    const p = await i.next();
    expect(p?.opcode).toBe(0x24);
    expect(p!.bhs.readUInt32BE(16)).toBe(itt);
    expect(p!.bhs[1]! & 0x80).toBe(0x80);
    const text = p!.data.toString();
    const names = [...text.matchAll(/TargetName=([^\0]+)/g)].map((m) => m[1]);
    expect(names).toEqual(['g1', 'g2', 'g3', 'g4', 'g5'].map((g) => lab!.iqn(g)));
    expect(text).toContain(`TargetAddress=127.0.0.1:${lab.port},1`);
    expect(lab.iqn('g4')).toBe(`iqn.2026-11.lab.xdc:${lab.t.pool.spec.poolId}:g4`);
    i.close();
  });

  it('a login to a target that does not exist is refused with 0x0203 and one without InitiatorName with 0x0207', async () => {
    lab = await openIscsiLab();
    const i = await TestInitiator.connect(lab.port);
    expect((await i.login({ target: 'iqn.2026-11.lab.xdc:nope:g9' })).status).toBe(0x0203);
    await i.closedPromise;
    const j = await TestInitiator.connect(lab.port);
    const b = j.bhs(0x03, 0x87, true);
    j.send(b, Buffer.from(`TargetName=${lab.iqn('g1')}\0`));
    const p = await j.next();
    expect(p!.bhs.readUInt16BE(36)).toBe(0x0207);
    await j.closedPromise;
  });

  it('with CHAP configured, the right secret logs in, a wrong one or none is refused (0x0201) and closed', async () => {
    lab = await openIscsiLab({ chap: { user: 'labuser', secret: SECRET } });
    const ok = await TestInitiator.connect(lab.port);
    expect(
      (await ok.login({ target: lab.iqn('g1'), chap: { user: 'labuser', secret: SECRET } })).status,
    ).toBe(0);
    ok.close();

    const wrong = await TestInitiator.connect(lab.port);
    expect(
      (await wrong.login({ target: lab.iqn('g1'), chap: { user: 'labuser', secret: 'not-the-secret!' } }))
        .status,
    ).toBe(0x0201);
    await wrong.closedPromise;
    expect(wrong.closed).toBe(true);

    const none = await TestInitiator.connect(lab.port);
    expect((await none.login({ target: lab.iqn('g1') })).status).toBe(0x0201);
    await none.closedPromise;
    expect(
      lab.log.some((l) => /login refused: CHAP response of labuser does not prove the secret/.test(l)),
    ).toBe(true);
  });

  it('mutual CHAP: the target proves its own secret back to the initiator', async () => {
    lab = await openIscsiLab({
      chap: { user: 'labuser', secret: SECRET, targetUser: 'xdc', targetSecret: 'target-secret-16' },
    });
    const i = await TestInitiator.connect(lab.port);
    const r = await i.login({
      target: lab.iqn('g2'),
      chap: { user: 'labuser', secret: SECRET, mutual: { secret: 'target-secret-16' } },
    });
    expect(r.status).toBe(0);
    expect(r.keys.CHAP_N).toBe('xdc');
    i.close();
  });

  it('a CHAP secret shorter than 12 bytes is refused when the target starts', async () => {
    const { startPoolIscsiTarget } = await import('../../../src-main/pool/iscsi');
    await expect(
      startPoolIscsiTarget({
        pool: () => ({ spec: { poolId: 'p' }, guests: new Map() }),
        port: 0,
        chap: { user: 'u', secret: 'short' },
      }),
    ).rejects.toThrow(/at least 12 bytes/);
  });

  it('a PDU other than a Login Request before login ends the connection', async () => {
    lab = await openIscsiLab();
    const i = await TestInitiator.connect(lab.port);
    i.nopOut(Buffer.alloc(0));
    expect(await i.next()).toBeNull();
    expect(i.closed).toBe(true);
    expect(pairsOf(Buffer.from('a=b\0c=d\0'))).toEqual({ a: 'b', c: 'd' });
  });
});
