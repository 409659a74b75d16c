import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PduReader } from '../../../src-main/pool/iscsi/pdu-reader';
import { type IscsiLab, openIscsiLab } from './fixture';
import { cdb, TestInitiator } from './initiator';

let lab: IscsiLab;
beforeAll(async () => {
  lab = await openIscsiLab();
});
afterAll(async () => {
  await lab.close();
});

/** A PDU-shaped byte string: an initiator opcode, random flags and fields, a small data segment. */
const pduBytes = fc
  .record({
    opcode: fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x3f),
    header: fc.uint8Array({ minLength: 47, maxLength: 47 }),
    ahsWords: fc.constantFrom(0, 0, 0, 1, 5),
    data: fc.uint8Array({ maxLength: 600 }),
    lieAboutLength: fc.boolean(),
  })
  .map(({ opcode, header, ahsWords, data, lieAboutLength }) => {
    const bhs = Buffer.alloc(48);
    bhs.set(header, 1);
    bhs[0] = opcode | (header[0]! & 0x40);
    bhs[4] = ahsWords;
    const length = lieAboutLength ? header[6]! * 4 : data.length;
    bhs[5] = 0;
    bhs[6] = (length >> 8) & 0xff;
    bhs[7] = length & 0xff;
    const pad = (4 - (data.length % 4)) % 4;
    return Buffer.concat([bhs, Buffer.alloc(ahsWords * 4), Buffer.from(data), Buffer.alloc(pad)]);
  });

async function stillServes(): Promise<void> {
  const i = await TestInitiator.connect(lab.port);
  const r = await i.login({ target: lab.iqn('g4') });
  expect(r.status).toBe(0);
  let status = -1;
  for (let n = 0; n < 3 && status !== 0; n++) status = (await i.scsi(0, cdb.testUnitReady())).status;
  expect(status).toBe(0);
  i.close();
}

describe('malformed PDUs never crash the pool', () => {
  it('random PDUs before and after login end in a Reject, a silent drop or a clean close, and the target keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(pduBytes, { minLength: 1, maxLength: 4 }),
        async (loggedIn, pdus) => {
          const i = await TestInitiator.connect(lab.port);
          if (loggedIn) expect((await i.login({ target: lab.iqn('g4') })).status).toBe(0);
          for (const p of pdus) i.socket.write(p);
          // Drain what comes back (or the close) without waiting long.
          while ((await i.next(40)) !== null) {
            /* replies are fine; crashes are not */
          }
          i.close();
        },
      ),
      { numRuns: 40 },
    );
    await stillServes();
    expect(lab.t.pool.invariants().ok).toBe(true);
  });

  it('raw random bytes are framed without throwing, whatever their length fields say', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (chunks, hd, dd) => {
          const r = new PduReader();
          r.headerDigest = hd;
          r.dataDigest = dd;
          for (const c of chunks) {
            r.push(Buffer.from(c));
            for (
              let p = r.next();
              p;
              p = p.kind === 'pdu' || p.kind === 'data-digest-error' ? r.next() : null
            ) {
              expect(['pdu', 'data-digest-error', 'header-digest-error', 'too-long']).toContain(p.kind);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
