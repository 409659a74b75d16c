import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolView } from '../../src-main/api/contract';
import {
  hostAt,
  layoutTopology,
  nodeId,
  type PlacedNode,
  structureKey,
} from '../../src-renderer/layout/topology-layout';
import { buildPool, demoShape, type PoolShape } from './fixtures';

const positions = (pool: PoolView) =>
  layoutTopology(pool).nodes.map((n) => [n.id, n.x, n.y, n.width, n.height, n.parentId] as const);

const overlaps = (a: PlacedNode, b: PlacedNode) =>
  a.absX < b.absX + b.width &&
  b.absX < a.absX + a.width &&
  a.absY < b.absY + b.height &&
  b.absY < a.absY + a.height;

function assertNoOverlaps(nodes: PlacedNode[]): void {
  const byParent = new Map<string | null, PlacedNode[]>();
  for (const n of nodes) byParent.set(n.parentId, [...(byParent.get(n.parentId) ?? []), n]);
  for (const [parentId, siblings] of byParent) {
    for (let i = 0; i < siblings.length; i++) {
      for (let j = i + 1; j < siblings.length; j++) {
        const a = siblings[i] as PlacedNode;
        const b = siblings[j] as PlacedNode;
        if (overlaps(a, b)) throw new Error(`${a.id} overlaps ${b.id} (parent ${parentId})`);
      }
    }
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    if (!n.parentId) continue;
    const p = byId.get(n.parentId);
    expect(p, `${n.id}'s parent exists`).toBeDefined();
    if (!p) continue;
    expect(
      n.x >= 0 && n.y >= 0 && n.x + n.width <= p.width && n.y + n.height <= p.height,
      `${n.id} inside ${p.id}`,
    ).toBe(true);
  }
}

const shapeArb: fc.Arbitrary<PoolShape> = fc
  .record({
    hostCount: fc.integer({ min: 1, max: 9 }),
    guestHosts: fc.array(fc.nat(20), { maxLength: 30 }),
    disks: fc.integer({ min: 1, max: 12 }),
    snaps: fc.array(fc.nat(4), { maxLength: 30 }),
    spareDisks: fc.nat(3),
  })
  .map(({ hostCount, guestHosts, disks, snaps, spareDisks }) => {
    const hosts = Array.from({ length: hostCount }, (_, i) => `h${i + 1}`);
    const guests: Record<string, string> = {};
    const snapshots: Record<string, number> = {};
    guestHosts.forEach((h, i) => {
      guests[`g${i + 1}`] = hosts[h % hostCount] as string;
      snapshots[`g${i + 1}`] = snaps[i] ?? 0;
    });
    return { hosts, guests, disks, snapshots, spareDisks };
  });

describe('topology layout', () => {
  it('places every host, guest, disk, disk group, volume and snapshot exactly once', () => {
    const pool = buildPool(demoShape);
    const layout = layoutTopology(pool);
    const ids = layout.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const h of pool.hosts) expect(layout.byId.has(nodeId('host', h.id))).toBe(true);
    for (const g of pool.guests)
      expect(layout.byId.get(nodeId('guest', g.id))?.parentId).toBe(nodeId('host', g.hostId));
    for (const v of pool.volumes) {
      expect(layout.byId.has(nodeId('volume', v.id))).toBe(true);
      for (const s of v.snapshots) expect(layout.byId.has(nodeId('snapshot', s.id))).toBe(true);
    }
    for (const d of pool.disks) expect(layout.byId.get(nodeId('disk', d.id))?.parentId).toBe('diskgroup:dg1');
    expect(ids).toHaveLength(3 + 6 + 4 + 1 + 6 + 3);
  });

  it('is deterministic: the same pool, listed in any order, gets the same positions', () => {
    const pool = buildPool(demoShape);
    const shuffled: PoolView = {
      ...pool,
      hosts: [...pool.hosts].reverse(),
      guests: [...pool.guests].reverse(),
      disks: [...pool.disks].reverse(),
      volumes: [...pool.volumes].reverse(),
    };
    const sorted = (p: PoolView) => [...positions(p)].sort((a, b) => a[0].localeCompare(b[0]));
    expect(sorted(shuffled)).toEqual(sorted(pool));
    expect(positions(pool)).toEqual(positions(pool));
  });

  it('stays put when only states change: hosts down, guests migrating, disks failed, owners moved', () => {
    const pool = buildPool(demoShape);
    const changed: PoolView = {
      ...pool,
      clock: { now: 99_000, speed: 100 },
      hosts: pool.hosts.map((h, i) => ({ ...h, state: i === 1 ? 'down' : i === 2 ? 'partitioned' : 'up' })),
      guests: pool.guests.map((g) => ({
        ...g,
        state: 'migrating',
        reachable: false,
        migration: { jobId: 'job-1', to: 'h3', phase: 'precopy', progress: 0.4 },
      })),
      disks: pool.disks.map((d) => ({ ...d, state: 'failed' })),
      volumes: pool.volumes.map((v) => ({ ...v, ownerHostId: 'h3' })),
    };
    expect(structureKey(changed)).toBe(structureKey(pool));
    expect(positions(changed)).toEqual(positions(pool));
  });

  it('sizes hosts by their guest count', () => {
    const layout = layoutTopology(buildPool(demoShape));
    const h1 = layout.byId.get('host:h1');
    const h2 = layout.byId.get('host:h2');
    const h3 = layout.byId.get('host:h3');
    expect(h1 && h2 && h3).toBeTruthy();
    if (!h1 || !h2 || !h3) return;
    expect(h1.height).toBeGreaterThan(h2.height);
    expect(h2.height).toBeGreaterThan(h3.height);
    expect(h1.width).toBe(h3.width);
  });

  it('a migrated guest moves into its new host box and the other hosts keep their places', () => {
    const before = layoutTopology(buildPool(demoShape));
    const after = layoutTopology(buildPool({ ...demoShape, guests: { ...demoShape.guests, g1: 'h3' } }));
    expect(after.byId.get('guest:g1')?.parentId).toBe('host:h3');
    for (const h of ['host:h1', 'host:h2', 'host:h3']) {
      expect([after.byId.get(h)?.x, after.byId.get(h)?.y]).toEqual([
        before.byId.get(h)?.x,
        before.byId.get(h)?.y,
      ]);
    }
  });

  it('property: no two boxes overlap, children sit inside their parents, for any pool shape', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const pool = buildPool(shape);
        const layout = layoutTopology(pool);
        expect(layout.nodes).toHaveLength(
          pool.hosts.length +
            pool.guests.length +
            pool.disks.length +
            pool.diskGroups.length +
            pool.volumes.length +
            pool.volumes.reduce((n, v) => n + v.snapshots.length, 0),
        );
        assertNoOverlaps(layout.nodes);
      }),
      { numRuns: 120 },
    );
  });

  it('finds the host under a point, and none in the gaps', () => {
    const layout = layoutTopology(buildPool(demoShape));
    const h2 = layout.byId.get('host:h2');
    if (!h2) throw new Error('h2 missing');
    expect(hostAt(layout, { x: h2.absX + 10, y: h2.absY + 10 })).toBe('h2');
    expect(hostAt(layout, { x: h2.absX - 5, y: h2.absY + 10 })).toBeNull();
  });

  it('a guest whose host is not in the view is still placed, outside every host', () => {
    const pool = buildPool(demoShape);
    const odd: PoolView = {
      ...pool,
      guests: pool.guests.map((g) => (g.id === 'g5' ? { ...g, hostId: 'h9' } : g)),
    };
    const layout = layoutTopology(odd);
    const g5 = layout.byId.get('guest:g5');
    expect(g5?.parentId).toBeNull();
    assertNoOverlaps(layout.nodes);
  });
});
