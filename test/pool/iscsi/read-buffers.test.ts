/**
 * READ data goes out of reusable per-connection buffers: a buffer must never be handed to a new
 * READ while the socket may still hold bytes of an earlier one. Keep 32 READs in flight, pause
 * the initiator's socket now and then so the target's writes back up, and check every byte of
 * every read — with large PDUs, with many small PDUs per read, and with digests on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IscsiLab, openIscsiLab } from './fixture';
import { cdb } from './initiator';

let lab: IscsiLab;

beforeAll(async () => {
  lab = await openIscsiLab();
});

afterAll(async () => {
  await lab?.close();
});

/** A small deterministic PRNG, so a failure replays the same way. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const REGION_BLOCKS = 512;
const SETTINGS: Record<string, string>[] = [
  { MaxRecvDataSegmentLength: '262144', MaxBurstLength: '262144' },
  { MaxRecvDataSegmentLength: '8192', MaxBurstLength: '32768', FirstBurstLength: '16384' },
  {
    MaxRecvDataSegmentLength: '65536',
    MaxBurstLength: '262144',
    HeaderDigest: 'CRC32C,None',
    DataDigest: 'CRC32C,None',
  },
];

describe('reusable READ buffers under backpressure', () => {
  for (const [n, keys] of SETTINGS.entries()) {
    it(`every byte of 400 overlapping READs is right (${JSON.stringify(keys)})`, async () => {
      const random = prng(1000 + n);
      const i = await lab.session('g4', keys);
      const regions: Buffer[] = [];
      for (let r = 0; r < 16; r++) {
        const data = Buffer.alloc(REGION_BLOCKS * 512);
        for (let k = 0; k < data.length; k += 4) data.writeUInt32LE(Math.floor(random() * 2 ** 32), k);
        const w = await i.scsi(0, cdb.write16(20000 + r * REGION_BLOCKS, REGION_BLOCKS), { dataOut: data });
        expect(w.status).toBe(0);
        regions.push(data);
      }
      const want = new Map<number, Buffer>();
      const got = new Map<number, Buffer[]>();
      const submit = () => {
        const r = Math.floor(random() * regions.length);
        const blocks = [1, 8, 64, 256, 300, 512, 512, 512][Math.floor(random() * 8)]!;
        const off = Math.floor(random() * (REGION_BLOCKS - blocks + 1));
        const itt = i.itt++;
        const edtl = blocks * 512 + (random() < 0.1 ? 1024 : 0);
        i.send(
          i.commandBhs(0, cdb.read16(20000 + r * REGION_BLOCKS + off, blocks), edtl, { read: true }, itt),
        );
        want.set(itt, regions[r]!.subarray(off * 512, (off + blocks) * 512));
        got.set(itt, []);
      };
      for (let k = 0; k < 32; k++) submit();
      let completed = 0;
      let wrong = 0;
      while (completed < 400) {
        const p = await i.next(10_000);
        if (!p) throw new Error('the target went silent');
        const itt = p.bhs.readUInt32BE(16);
        if (p.opcode === 0x25) got.get(itt)?.push(p.data);
        const done = (p.opcode === 0x25 && (p.bhs[1]! & 1) === 1) || p.opcode === 0x21;
        if (!done) continue;
        completed++;
        if (p.bhs[3] !== 0 || !Buffer.concat(got.get(itt) ?? []).equals(want.get(itt)!)) wrong++;
        want.delete(itt);
        got.delete(itt);
        submit();
        if (completed % 50 === 0) {
          // Backpressure: the target's socket buffer fills while we do not read.
          i.socket.pause();
          await new Promise((r) => setTimeout(r, 20));
          i.socket.resume();
        }
      }
      for (let left = 32; left > 0; ) {
        const p = await i.next(10_000);
        if (!p) throw new Error('the target went silent');
        if ((p.opcode === 0x25 && (p.bhs[1]! & 1) === 1) || p.opcode === 0x21) left--;
      }
      i.close();
      expect(wrong).toBe(0);
    });
  }
});
