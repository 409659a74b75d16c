import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes } from '../../../src-main/pool/guest/io-pattern';
import { type GuestPool, openGuestPool, VOLUME_BYTES } from './fixture';

const BLOCK = 512;
const MAX_BLOCKS = (VOLUME_BYTES - 1024 * 1024) / BLOCK; // below the app log ring, which g2 has not anyway

const write = fc.record({
  block: fc.integer({ min: 0, max: MAX_BLOCKS - 1 }),
  blocks: fc.integer({ min: 1, max: 512 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('a snapshot never changes after it is taken', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('data written with dcli io write before a snapshot reads back from that snapshot unchanged, whatever is written afterwards', async () => {
    const owner = pool.clients.get('h2')!;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(write, { minLength: 1, maxLength: 4 }),
        fc.array(write, { minLength: 1, maxLength: 4 }),
        async (before, after) => {
          run++;
          const apply = async (ws: typeof before, model: Buffer | null) => {
            for (const w of ws) {
              const blocks = Math.min(w.blocks, MAX_BLOCKS - w.block);
              const offset = w.block * BLOCK;
              const length = blocks * BLOCK;
              const r = await pool.dcli(
                'g2',
                `dcli io write lun1 --offset ${offset} --length ${length} --seed ${w.seed}`,
              );
              expect(r.exitCode, r.output).toBe(0);
              patternBytes(w.seed, offset, length).copy(model ?? Buffer.alloc(0), offset);
            }
          };
          // The model is the LUN's content at the snapshot: what it held, plus the writes before.
          const model = await pool.run(owner.read('vol-g2-data', 0, VOLUME_BYTES));
          await apply(before, model);
          const snap = await pool.dcli('g2', `dcli snapshot create lun1 --name prop-${run} --json`);
          expect(snap.exitCode, snap.output).toBe(0);
          const snapId = (JSON.parse(snap.output) as { members: Array<{ snapshotId: string }> }).members[0]!
            .snapshotId;
          await apply(after, null);
          const seen = pool.readSnapshot(snapId, 0, VOLUME_BYTES);
          expect(seen.equals(model)).toBe(true);
          // And each pre-snapshot write still verifies where no earlier-in-order write overlapped it later.
          const last = before[before.length - 1]!;
          const lastLen = Math.min(last.blocks, MAX_BLOCKS - last.block) * BLOCK;
          expect(
            seen
              .subarray(last.block * BLOCK, last.block * BLOCK + lastLen)
              .equals(patternBytes(last.seed, last.block * BLOCK, lastLen)),
          ).toBe(true);
          expect((await pool.dcli('g2', `dcli snapshot delete prop-${run}`)).exitCode).toBe(0);
        },
      ),
      { numRuns: 12 },
    );
  });
});
