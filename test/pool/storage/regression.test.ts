/**
 * Regressions found by the model property test, each replayed as the exact scenario.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VolumeClient } from '../../../src-main/pool/dom0/volume-client';
import { SpaceHistory } from '../../../src-main/pool/storage/space-history';
import { diskGroup, LabFixture, MiB, pattern } from './lab-fixture';

const HOSTS = ['h1', 'h2', 'h3'];

function zeros(b: Buffer): boolean {
  return b.every((x) => x === 0);
}

async function fillAndDelete(lab: LabFixture, c: VolumeClient, id: string, bytes: Buffer): Promise<void> {
  await c.acquire(id);
  await c.write(id, 0, bytes);
  await c.release(id);
  await c.detach(id);
  await lab.server.vdiDelete(id);
}

describe('space freed by a deleted volume never shows its old bytes', () => {
  let lab: LabFixture;
  afterEach(() => lab.dispose());

  // fast-check seed 848635315: v0 written and deleted, lab reopened, v3 created in v0's old
  // extent, snapshotted twice, grown, older snapshot deleted: v3 and its snapshots read v0's byte.
  it('seed 848635315: a volume created where a deleted one lived, after a restart, reads zeros and so do its snapshots', async () => {
    lab = new LabFixture({ d1: 16 * MiB, d2: 16 * MiB, d3: 16 * MiB });
    await diskGroup(lab, ['d1', 'd2', 'd3'], HOSTS);
    await lab.server.vdiCreate('dg1', 'v0', MiB);
    await fillAndDelete(lab, lab.client('h2'), 'v0', Buffer.from([1]));

    lab.reopen('h3');
    const v3 = await lab.server.vdiCreate('dg1', 'v3', MiB);
    expect(v3.extents).toEqual([{ diskId: 'd1', offset: 0, length: MiB }]); // v0's old place
    const s1 = await lab.server.vdiSnapshot('v3');
    const h1 = lab.client('h1');
    await h1.acquire('v3');
    expect(
      await lab
        .client('h2')
        .write('v3', 0, Buffer.from([4]))
        .catch((e) => e.code),
    ).toBe('ERR_NOT_OWNER');
    const s2 = await lab.server.vdiSnapshot('v3');
    await lab.server.vdiResize('v3', 2 * MiB);
    await h1.release('v3');
    await lab.server.vdiDelete(s1.id);
    await lab.server.vdiCreate('dg1', 'v6', MiB);

    expect(zeros(lab.server.io.peek('v3', 0, 2 * MiB))).toBe(true);
    expect(zeros(lab.server.io.peek(s2.id, 0, MiB))).toBe(true);
    expect(zeros(lab.server.io.peek('v6', 0, MiB))).toBe(true);
    expect((await lab.server.srScan('dg1')).problems).toEqual([]);
  });

  it('the same after a crash: the journal alone remembers which space was used', async () => {
    lab = new LabFixture({ d1: 8 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'old', 2 * MiB);
    await fillAndDelete(lab, lab.client('h1'), 'old', pattern(2 * MiB, 7));
    lab.crashAndReopen('h2');
    const v = await lab.server.vdiCreate('dg1', 'new', 3 * MiB);
    expect(v.extents[0]).toEqual({ diskId: 'd1', offset: 0, length: 3 * MiB });
    expect(zeros(lab.server.io.peek('new', 0, 3 * MiB))).toBe(true);
  });

  it('a volume grown into freed space reads zeros in the new part, and its snapshot stays as taken', async () => {
    lab = new LabFixture({ d1: 4 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'a', MiB);
    await lab.server.vdiCreate('dg1', 'b', MiB);
    const c = lab.client('h1');
    await c.acquire('a');
    await c.write('a', 0, pattern(MiB, 3));
    await c.release('a');
    const snap = await lab.server.vdiSnapshot('a');
    await fillAndDelete(lab, c, 'b', pattern(MiB, 9));
    lab.reopen();
    await lab.server.vdiResize('a', 2 * MiB); // takes b's old MiB right after a's extent
    expect(lab.server.getVolume('a').extents).toEqual([{ diskId: 'd1', offset: 0, length: 2 * MiB }]);
    expect(lab.server.io.peek('a', 0, MiB).equals(pattern(MiB, 3))).toBe(true);
    expect(zeros(lab.server.io.peek('a', MiB, MiB))).toBe(true);
    expect(lab.server.io.peek(snap.id, 0, MiB).equals(pattern(MiB, 3))).toBe(true);
  });

  it('freed copy-on-write chunks and a re-created disk group over the same disks give no old bytes either', async () => {
    lab = new LabFixture({ d1: 2 * MiB });
    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'v', MiB);
    const c = lab.client('h1');
    await c.acquire('v');
    await c.write('v', 0, pattern(MiB, 5));
    const snap = await lab.server.vdiSnapshot('v');
    await c.write('v', 0, pattern(MiB, 6)); // every chunk copied into the last free MiB of d1
    await c.release('v');
    await lab.server.vdiDelete(snap.id);
    await c.detach('v');
    await lab.server.vdiDelete('v');
    await lab.server.srDetach('dg1', 'h1');
    await lab.server.srDetach('dg1', 'h2');
    await lab.server.srDelete('dg1');
    lab.reopen();

    await diskGroup(lab, ['d1']);
    await lab.server.vdiCreate('dg1', 'w', 2 * MiB); // all of d1: the old volume and its COW chunks
    expect(zeros(lab.server.io.peek('w', 0, 2 * MiB))).toBe(true);
  });
});

describe('the space history behind scrubbing', () => {
  it('merges touching ranges and reports only the used parts of an extent', () => {
    const h = new SpaceHistory();
    h.mark({ diskId: 'd1', offset: 2 * MiB, length: MiB });
    h.mark({ diskId: 'd1', offset: 0, length: MiB });
    h.mark({ diskId: 'd1', offset: MiB, length: MiB }); // joins both neighbours
    h.mark({ diskId: 'd1', offset: 6 * MiB, length: MiB });
    h.mark({ diskId: 'd2', offset: 0, length: MiB });
    expect(h.ranges()).toEqual([
      { diskId: 'd1', offset: 0, length: 3 * MiB },
      { diskId: 'd1', offset: 6 * MiB, length: MiB },
      { diskId: 'd2', offset: 0, length: MiB },
    ]);
    expect(h.usedParts({ diskId: 'd1', offset: 2 * MiB, length: 6 * MiB })).toEqual([
      { diskId: 'd1', offset: 2 * MiB, length: MiB },
      { diskId: 'd1', offset: 6 * MiB, length: MiB },
    ]);
    expect(h.usedParts({ diskId: 'd1', offset: 3 * MiB, length: 3 * MiB })).toEqual([]);
    expect(h.usedParts({ diskId: 'd3', offset: 0, length: MiB })).toEqual([]);
  });

  it('the checkpoint keeps exactly the space ever handed out, not the whole disk', async () => {
    const lab = new LabFixture({ d1: 8 * MiB });
    try {
      await diskGroup(lab, ['d1']);
      await lab.server.vdiCreate('dg1', 'v', 2 * MiB);
      await lab.server.vdiDelete('v');
      lab.reopen();
      lab.reopen(); // loaded from the checkpoint and written again
      const cp = JSON.parse(readFileSync(join(lab.dir, 'storage', 'metadata.json'), 'utf8'));
      expect(cp.history).toEqual([['d1', 0, 2 * MiB]]);
    } finally {
      lab.dispose();
    }
  });
});
