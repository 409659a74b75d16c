import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnapshotStore, VssEndpoint, volumeServerStore } from '../../../src-main/pool/dom0/vss-endpoint';
import { type GuestPool, naaOf, openGuestPool } from './fixture';

function endpointOn(pool: GuestPool, store: SnapshotStore): VssEndpoint {
  return new VssEndpoint({
    store,
    client: pool.clients.get('h1')!,
    guestVolumes: (g) =>
      g === 'g1'
        ? ['vol-g1-sys', 'vol-g1-db', 'vol-g1-log'].map((vdiId) => ({ naa: naaOf(vdiId), vdiId }))
        : [],
  });
}

const userSnapshots = (pool: GuestPool) => pool.role.server.listSnapshots().filter((s) => !s.internal);

describe('the Dom0 VSS endpoint makes a snapshot set all or none', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('when the second volume snapshot fails, the first one is deleted before the answer', async () => {
    const real = volumeServerStore(() => pool.role.server);
    let calls = 0;
    const failing: SnapshotStore = {
      ...real,
      snapshot: async (vdiId, o) => {
        if (++calls === 2) throw new Error('disk group metadata write failed (injected)');
        return real.snapshot(vdiId, o);
      },
    };
    const ep = endpointOn(pool, failing);
    const req = {
      setId: 'set-g1-aaaaaaaaaa',
      name: 'x',
      consistency: 'application' as const,
      luns: [1, 2].map((lun) => ({ lun, naa: naaOf(lun === 1 ? 'vol-g1-db' : 'vol-g1-log') })),
    };
    await expect(ep.createSet('g1', req)).rejects.toThrow(
      /snapshot set set-g1-aaaaaaaaaa not created \(none of its snapshots kept\): disk group metadata write failed/,
    );
    expect(calls).toBe(2);
    expect(userSnapshots(pool)).toEqual([]);
  });

  it("a guest cannot name another guest's LUN, and a set it cancelled cannot be created late", async () => {
    const ep = endpointOn(
      pool,
      volumeServerStore(() => pool.role.server),
    );
    await expect(
      ep.createSet('g1', {
        setId: 'set-g1-bbbbbbbbbb',
        name: 'y',
        consistency: 'crash',
        luns: [{ lun: 0, naa: naaOf('vol-g2-root') }],
      }),
    ).rejects.toThrow(/guest g1 has no LUN with device id naa\./);
    await ep.deleteSet('g1', { setId: 'set-g1-cccccccccc', snapshotIds: [] });
    await expect(
      ep.createSet('g1', {
        setId: 'set-g1-cccccccccc',
        name: 'z',
        consistency: 'crash',
        luns: [{ lun: 0, naa: naaOf('vol-g1-sys') }],
      }),
    ).rejects.toThrow(/was cancelled by the guest/);
    expect(userSnapshots(pool)).toEqual([]);
  });

  it('restore copies back only the chunks that changed since the snapshot', async () => {
    const ep = endpointOn(
      pool,
      volumeServerStore(() => pool.role.server),
    );
    await pool.dcli('g1', 'dcli io write lun0 --offset 0 --length 1M --seed 5');
    const made = await ep.createSet('g1', {
      setId: 'set-g1-dddddddddd',
      name: 'r',
      consistency: 'crash',
      luns: [{ lun: 0, naa: naaOf('vol-g1-sys') }],
    });
    await pool.dcli('g1', 'dcli io write lun0 --offset 196608 --length 128k --seed 6');
    const r = await ep.restoreSet('g1', { setId: made.setId, members: made.members });
    expect(r.restored).toEqual([
      {
        vdiId: 'vol-g1-sys',
        snapshotId: made.members[0]!.snapshotId,
        method: 'copy-back',
        bytesCopied: 131072,
      },
    ]);
    expect((await pool.dcli('g1', 'dcli io verify lun0 --offset 0 --length 1M --seed 5')).exitCode).toBe(0);
    await ep.deleteSet('g1', { setId: made.setId, snapshotIds: [] });
    expect(userSnapshots(pool)).toEqual([]);
  });
});
