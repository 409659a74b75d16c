/**
 * Two pure renderer helpers: sharePool (a refresh keeps the objects of everything that did not
 * change, so only the changed node re-renders) and guestColumns (a busy host wraps its guests
 * into columns instead of growing into a tower).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolView } from '../../src-main/api/contract';
import {
  guestColumns,
  hostHeight,
  hostWidth,
  layoutTopology,
  nodeId,
  SIZE,
} from '../../src-renderer/layout/topology-layout';
import { sharePool } from '../../src-renderer/state/share-pool';
import { buildPool, demoShape, type PoolShape } from './fixtures';

/** A second read of the same pool: equal content, all-new objects (as JSON off the wire). */
const reread = (pool: PoolView): PoolView => JSON.parse(JSON.stringify(pool)) as PoolView;

const LISTS = ['hosts', 'guests', 'disks', 'diskGroups', 'volumes'] as const;

describe('sharePool: a refresh keeps what did not change', () => {
  it('the first read is taken as it is', () => {
    const next = buildPool(demoShape);
    expect(sharePool(null, next)).toBe(next);
  });

  it('an unchanged re-read keeps every list and every object of the previous read', () => {
    const prev = buildPool(demoShape);
    const shared = sharePool(prev, reread(prev));
    for (const list of LISTS) expect(shared[list], list).toBe(prev[list]);
    expect(shared).toEqual(prev);
  });

  it('one guest crashing replaces that guest only; its host, the other guests and the storage keep their objects', () => {
    const prev = buildPool(demoShape);
    const next = reread(prev);
    const g3 = next.guests.find((g) => g.id === 'g3')!;
    g3.state = 'crashed';
    g3.reachable = false;
    const shared = sharePool(prev, next);

    expect(shared.guests).not.toBe(prev.guests);
    const sharedG3 = shared.guests.find((g) => g.id === 'g3')!;
    expect(sharedG3).toBe(g3);
    expect(sharedG3.state).toBe('crashed');
    for (const g of shared.guests.filter((x) => x.id !== 'g3'))
      expect(g, g.id).toBe(prev.guests.find((p) => p.id === g.id));
    expect(shared.hosts).toBe(prev.hosts);
    expect(shared.disks).toBe(prev.disks);
    expect(shared.diskGroups).toBe(prev.diskGroups);
    expect(shared.volumes).toBe(prev.volumes);
  });

  it('a new snapshot replaces its volume object; the other volumes stay', () => {
    const prev = buildPool(demoShape);
    const next = reread(prev);
    const vol = next.volumes.find((v) => v.id === 'vol-g2')!;
    vol.snapshots.push({
      id: 'snap-new',
      name: 'nightly',
      createdAt: 5000,
      cowBytes: 0,
      setId: null,
      consistency: 'crash',
    });
    const shared = sharePool(prev, next);
    expect(shared.volumes.find((v) => v.id === 'vol-g2')).toBe(vol);
    expect(shared.volumes.find((v) => v.id === 'vol-g2')!.snapshots.map((s) => s.id)).toContain('snap-new');
    for (const v of shared.volumes.filter((x) => x.id !== 'vol-g2'))
      expect(v, v.id).toBe(prev.volumes.find((p) => p.id === v.id));
    expect(shared.guests).toBe(prev.guests);
  });

  it('a change deep inside a guest (its LUN list) is seen, not hidden behind the old object', () => {
    const prev = buildPool(demoShape);
    const next = reread(prev);
    next.guests[1]!.luns[0]!.sizeBytes = 2 ** 31;
    const shared = sharePool(prev, next);
    expect(shared.guests[1]).not.toBe(prev.guests[1]);
    expect(shared.guests[1]!.luns[0]!.sizeBytes).toBe(2 ** 31);
  });

  it('a guest that left and one that arrived: new list, the stayers keep their objects', () => {
    const prev = buildPool(demoShape);
    const next = buildPool({
      ...demoShape,
      guests: { central: 'h1', g1: 'h1', g2: 'h1', g3: 'h2', g5: 'h3', g9: 'h2' },
    });
    const shared = sharePool(prev, next);
    expect(shared.guests.map((g) => g.id)).toEqual(next.guests.map((g) => g.id));
    expect(shared.guests.find((g) => g.id === 'g9')).toBe(next.guests.find((g) => g.id === 'g9'));
    expect(shared.guests.find((g) => g.id === 'g4')).toBeUndefined();
    // g1 (index 1 in both reads, unchanged) is the old object.
    expect(shared.guests.find((g) => g.id === 'g1')).toBe(prev.guests.find((g) => g.id === 'g1'));
  });

  it('the same members in another order: old objects, but a new list in the new order', () => {
    const prev = buildPool(demoShape);
    const next = reread(prev);
    next.hosts.reverse();
    const shared = sharePool(prev, next);
    expect(shared.hosts).not.toBe(prev.hosts);
    expect(shared.hosts.map((h) => h.id)).toEqual(['h3', 'h2', 'h1']);
    for (const h of shared.hosts) expect(h).toBe(prev.hosts.find((p) => p.id === h.id));
  });

  it('another pool (a different lab was opened) shares nothing, even objects that look the same', () => {
    const prev = buildPool(demoShape);
    const next = { ...reread(prev), poolId: 'pool-other' };
    const shared = sharePool(prev, next);
    expect(shared).toBe(next);
    expect(shared.hosts[0]).not.toBe(prev.hosts[0]);
  });

  const shapeArb: fc.Arbitrary<PoolShape> = fc
    .record({
      hostCount: fc.integer({ min: 1, max: 5 }),
      guestHosts: fc.array(fc.nat(10), { maxLength: 14 }),
      snaps: fc.array(fc.nat(3), { maxLength: 14 }),
    })
    .map(({ hostCount, guestHosts, snaps }) => {
      const hosts = Array.from({ length: hostCount }, (_, i) => `h${i + 1}`);
      const guests: Record<string, string> = {};
      const snapshots: Record<string, number> = {};
      guestHosts.forEach((h, i) => {
        guests[`g${i + 1}`] = hosts[h % hostCount]!;
        snapshots[`g${i + 1}`] = snaps[i] ?? 0;
      });
      return { hosts, guests, disks: 2, snapshots };
    });

  it('property: the shared view always equals the new read, and reuses exactly the unchanged objects', () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        const prev = buildPool(a);
        const next = buildPool(b);
        const shared = sharePool(prev, next);
        expect(shared).toEqual(next);
        for (const list of LISTS) {
          const before = new Map<string, unknown>(prev[list].map((x) => [x.id, x]));
          shared[list].forEach((item, i) => {
            const old = before.get(item.id);
            const unchanged = old !== undefined && JSON.stringify(old) === JSON.stringify(next[list][i]);
            expect(item === old, `${list} ${item.id}`).toBe(unchanged);
          });
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('guestColumns: a busy host wraps its guests into columns', () => {
  it('up to 8 guests stack in one column (an empty host too)', () => {
    for (let n = 0; n <= 8; n++) expect(guestColumns(n), `${n} guests`).toBe(1);
  });

  it('from the 9th guest on, the host wraps: 9 -> 3x3, 24 -> 4 columns of 6, 500 -> 16 columns of 32', () => {
    const grid = (n: number) => [guestColumns(n), Math.ceil(n / guestColumns(n))];
    expect(grid(9)).toEqual([3, 3]);
    expect(grid(24)).toEqual([4, 6]);
    expect(grid(128)).toEqual([8, 16]);
    expect(grid(500)).toEqual([16, 32]);
  });

  it('property: never fewer columns for more guests, no empty column, and about twice as tall as wide in guests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 5000 }), (n) => {
        const cols = guestColumns(n);
        expect(Number.isInteger(cols)).toBe(true);
        expect(cols).toBeGreaterThanOrEqual(guestColumns(n - 1));
        const perColumn = Math.ceil(n / cols);
        // Every column holds a guest: the layout fills column by column, perColumn at a time.
        expect(Math.ceil(n / perColumn)).toBe(cols);
        expect(perColumn / cols).toBeGreaterThanOrEqual(1);
        expect(perColumn / cols).toBeLessThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  });

  it('the layout of a 24-guest host uses those columns: 4 distinct guest x positions, 6 rows, all inside the host', () => {
    const guests: Record<string, string> = {};
    for (let i = 1; i <= 24; i++) guests[`g${String(i).padStart(2, '0')}`] = 'h1';
    guests.solo = 'h2';
    const layout = layoutTopology(buildPool({ hosts: ['h1', 'h2'], guests, disks: 1 }));
    const host = layout.nodes.find((n) => n.id === nodeId('host', 'h1'))!;
    const inside = layout.nodes.filter((n) => n.kind === 'guest' && n.parentId === host.id);
    expect(inside).toHaveLength(24);
    expect(new Set(inside.map((g) => g.x)).size).toBe(4);
    expect(new Set(inside.map((g) => g.y)).size).toBe(6);
    expect(host.width).toBe(hostWidth(24));
    expect(host.height).toBe(hostHeight(24));
    for (const g of inside) {
      expect(g.x + g.width, g.id).toBeLessThanOrEqual(host.width);
      expect(g.y + g.height, g.id).toBeLessThanOrEqual(host.height);
    }
    // Wider than a one-guest host, and far shorter than 24 guests stacked in one column.
    const single = layout.nodes.find((n) => n.id === nodeId('host', 'h2'))!;
    expect(host.width).toBeGreaterThan(single.width);
    expect(host.height).toBeLessThan(SIZE.hostHeader + 24 * SIZE.guestHeight);
  });
});
