/**
 * The topology layout: a pure function from the pool's structure to node boxes. Positions
 * depend only on structure (which hosts, which guests on which host, which disks, volumes and
 * snapshots exist) — never on states — so the picture stays put while guests run, migrate,
 * hosts go down or disks fail. Hosts sit in rows (sized by their guest count), shared storage
 * below them: first the volumes (each guest's volumes together, snapshots stacked under each
 * volume) so ownership edges run straight up to the hosts, then each disk group as a box
 * holding its disks at the bottom — the layer the volumes are carved from.
 *
 * Child boxes (guests in hosts, disks in disk groups) are relative to their parent, as React
 * Flow expects; `absX/absY` give the same box in canvas coordinates for hit tests and checks.
 */
import type { PoolView } from '../../src-main/api/contract';

export type NodeKind = 'host' | 'guest' | 'diskgroup' | 'disk' | 'volume' | 'snapshot';

export interface PlacedNode {
  /** Canvas node id: `<kind>:<object id>`, unique even when objects of two kinds share an id. */
  id: string;
  kind: NodeKind;
  objectId: string;
  parentId: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
  absX: number;
  absY: number;
}

export interface TopologyLayout {
  nodes: PlacedNode[];
  byId: ReadonlyMap<string, PlacedNode>;
  width: number;
  height: number;
}

export type LayoutInput = Pick<PoolView, 'hosts' | 'guests' | 'disks' | 'diskGroups' | 'volumes'>;

export const SIZE = {
  hostWidth: 240,
  hostHeader: 64,
  hostPad: 12,
  hostsPerRow: 6,
  guestHeight: 66,
  guestGap: 10,
  gap: 56,
  storageGap: 110,
  diskWidth: 132,
  diskHeight: 50,
  disksPerRow: 8,
  dgHeader: 44,
  volumeWidth: 196,
  volumeHeight: 74,
  volumeGap: 24,
  minVolumesPerRow: 6,
  snapshotHeight: 40,
  snapshotGap: 8,
  snapshotIndent: 14,
} as const;

export const nodeId = (kind: NodeKind, objectId: string): string => `${kind}:${objectId}`;

const collator = new Intl.Collator('en', { numeric: true });
const byId = <T extends { id: string }>(a: T, b: T) => collator.compare(a.id, b.id);

/** The fields the layout reads; when this key is unchanged the layout is too. */
export function structureKey(pool: LayoutInput): string {
  const parts: string[] = [];
  for (const h of pool.hosts) parts.push(`h${h.id}`);
  for (const g of pool.guests) parts.push(`g${g.id}@${g.hostId}`);
  for (const d of pool.disks) parts.push(`d${d.id}@${d.diskGroupId ?? ''}`);
  for (const dg of pool.diskGroups) parts.push(`dg${dg.id}`);
  for (const v of pool.volumes) {
    parts.push(
      `v${v.id}@${v.diskGroupId}/${v.guestId ?? ''}#${v.lun ?? ''}[${v.snapshots.map((s) => s.id).join(',')}]`,
    );
  }
  return parts.sort().join('|');
}

/**
 * Guests stack in one column up to 8; a busier host wraps them into columns so that it stays
 * roughly as wide as tall (a 24-guest host is 4 x 6, not a 2000-pixel tower), and a 500-guest
 * pool still fits the screen.
 */
export function guestColumns(guestCount: number): number {
  return guestCount <= 8 ? 1 : Math.ceil(Math.sqrt(guestCount / 2));
}

export function hostWidth(guestCount: number): number {
  const cols = guestColumns(guestCount);
  const guestWidth = SIZE.hostWidth - 2 * SIZE.hostPad;
  return cols * guestWidth + (cols - 1) * SIZE.hostPad + 2 * SIZE.hostPad;
}

export function hostHeight(guestCount: number): number {
  const n = Math.max(1, Math.ceil(guestCount / guestColumns(guestCount)));
  return SIZE.hostHeader + n * SIZE.guestHeight + (n - 1) * SIZE.guestGap + SIZE.hostPad;
}

export function layoutTopology(pool: LayoutInput): TopologyLayout {
  const nodes: PlacedNode[] = [];
  const place = (n: Omit<PlacedNode, 'absX' | 'absY'>, parent: PlacedNode | null) => {
    const placed = { ...n, absX: n.x + (parent?.absX ?? 0), absY: n.y + (parent?.absY ?? 0) };
    nodes.push(placed);
    return placed;
  };

  // ---- hosts, each holding its guests
  const hosts = [...pool.hosts].sort(byId);
  const hostIds = new Set(hosts.map((h) => h.id));
  const guestsByHost = new Map<string, LayoutInput['guests']>();
  const orphans: LayoutInput['guests'] = [];
  for (const g of [...pool.guests].sort(byId)) {
    if (!hostIds.has(g.hostId)) {
      orphans.push(g);
      continue;
    }
    const list = guestsByHost.get(g.hostId) ?? [];
    list.push(g);
    guestsByHost.set(g.hostId, list);
  }

  const guestWidth = SIZE.hostWidth - 2 * SIZE.hostPad;
  let rowTop = 0;
  let hostsRight = 0;
  for (let start = 0; start < hosts.length; start += SIZE.hostsPerRow) {
    const row = hosts.slice(start, start + SIZE.hostsPerRow);
    let rowHeight = 0;
    let x = 0;
    for (const host of row) {
      const guests = guestsByHost.get(host.id) ?? [];
      const height = hostHeight(guests.length);
      const width = hostWidth(guests.length);
      const cols = guestColumns(guests.length);
      const perColumn = Math.max(1, Math.ceil(guests.length / cols));
      const hostNode = place(
        {
          id: nodeId('host', host.id),
          kind: 'host',
          objectId: host.id,
          parentId: null,
          x,
          y: rowTop,
          width,
          height,
        },
        null,
      );
      guests.forEach((g, k) => {
        const col = Math.floor(k / perColumn);
        const rowInColumn = k % perColumn;
        place(
          {
            id: nodeId('guest', g.id),
            kind: 'guest',
            objectId: g.id,
            parentId: hostNode.id,
            x: SIZE.hostPad + col * (guestWidth + SIZE.hostPad),
            y: SIZE.hostHeader + rowInColumn * (SIZE.guestHeight + SIZE.guestGap),
            width: guestWidth,
            height: SIZE.guestHeight,
          },
          hostNode,
        );
      });
      rowHeight = Math.max(rowHeight, height);
      hostsRight = Math.max(hostsRight, x + width);
      x += width + SIZE.gap;
    }
    rowTop += rowHeight + SIZE.gap;
  }
  // Guests whose host is unknown (a view caught mid-change) still get a place, right of the hosts.
  orphans.forEach((g, k) => {
    place(
      {
        id: nodeId('guest', g.id),
        kind: 'guest',
        objectId: g.id,
        parentId: null,
        x: hostsRight + SIZE.gap,
        y: k * (SIZE.guestHeight + SIZE.guestGap),
        width: guestWidth,
        height: SIZE.guestHeight,
      },
      null,
    );
  });
  const hostsBottom = Math.max(
    hosts.length > 0 ? rowTop - SIZE.gap : 0,
    orphans.length * (SIZE.guestHeight + SIZE.guestGap),
  );
  const canvasWidth = Math.max(
    hostsRight + (orphans.length > 0 ? SIZE.gap + guestWidth : 0),
    4 * (SIZE.volumeWidth + SIZE.volumeGap),
  );

  // ---- volumes in columns, snapshots stacked under each
  const columnWidth = SIZE.volumeWidth + SIZE.volumeGap;
  const perRow = Math.max(SIZE.minVolumesPerRow, Math.floor((canvasWidth + SIZE.volumeGap) / columnWidth));
  // A guest's volumes sit together, in LUN order; guestId and lun never change on migration.
  const volumes = [...pool.volumes].sort(
    (a, b) =>
      collator.compare(a.guestId ?? '\uffff', b.guestId ?? '\uffff') ||
      (a.lun ?? 0) - (b.lun ?? 0) ||
      byId(a, b),
  );
  let volTop = hostsBottom + SIZE.storageGap;
  for (let start = 0; start < volumes.length; start += perRow) {
    const row = volumes.slice(start, start + perRow);
    let rowHeight = 0;
    row.forEach((v, i) => {
      const x = i * columnWidth;
      place(
        {
          id: nodeId('volume', v.id),
          kind: 'volume',
          objectId: v.id,
          parentId: null,
          x,
          y: volTop,
          width: SIZE.volumeWidth,
          height: SIZE.volumeHeight,
        },
        null,
      );
      const snaps = [...v.snapshots].sort(
        (a, b) => a.createdAt - b.createdAt || collator.compare(a.id, b.id),
      );
      snaps.forEach((s, k) => {
        place(
          {
            id: nodeId('snapshot', s.id),
            kind: 'snapshot',
            objectId: s.id,
            parentId: null,
            x: x + SIZE.snapshotIndent,
            y: volTop + SIZE.volumeHeight + SIZE.snapshotGap + k * (SIZE.snapshotHeight + SIZE.snapshotGap),
            width: SIZE.volumeWidth - SIZE.snapshotIndent,
            height: SIZE.snapshotHeight,
          },
          null,
        );
      });
      rowHeight = Math.max(
        rowHeight,
        SIZE.volumeHeight + snaps.length * (SIZE.snapshotHeight + SIZE.snapshotGap),
      );
    });
    volTop += rowHeight + SIZE.gap;
  }

  // ---- disk groups holding their disks, then disks in no group
  const storageTop = volTop;
  const disks = [...pool.disks].sort(byId);
  const groupIds = new Set(pool.diskGroups.map((dg) => dg.id));
  const groups: Array<{ id: string; kind: 'diskgroup' | 'spare'; disks: typeof disks }> = [...pool.diskGroups]
    .sort(byId)
    .map((dg) => ({
      id: dg.id,
      kind: 'diskgroup' as const,
      disks: disks.filter((d) => d.diskGroupId === dg.id),
    }));
  const spare = disks.filter((d) => d.diskGroupId === null || !groupIds.has(d.diskGroupId));
  let dgX = 0;
  for (const group of groups) {
    const cols = Math.max(1, Math.min(SIZE.disksPerRow, group.disks.length));
    const rows = Math.max(1, Math.ceil(group.disks.length / SIZE.disksPerRow));
    const width = cols * SIZE.diskWidth + (cols - 1) * SIZE.hostPad + 2 * SIZE.hostPad;
    const height = SIZE.dgHeader + rows * SIZE.diskHeight + (rows - 1) * SIZE.hostPad + SIZE.hostPad;
    const dgNode = place(
      {
        id: nodeId('diskgroup', group.id),
        kind: 'diskgroup',
        objectId: group.id,
        parentId: null,
        x: dgX,
        y: storageTop,
        width,
        height,
      },
      null,
    );
    group.disks.forEach((d, k) => {
      place(
        {
          id: nodeId('disk', d.id),
          kind: 'disk',
          objectId: d.id,
          parentId: dgNode.id,
          x: SIZE.hostPad + (k % SIZE.disksPerRow) * (SIZE.diskWidth + SIZE.hostPad),
          y: SIZE.dgHeader + Math.floor(k / SIZE.disksPerRow) * (SIZE.diskHeight + SIZE.hostPad),
          width: SIZE.diskWidth,
          height: SIZE.diskHeight,
        },
        dgNode,
      );
    });
    dgX += width + SIZE.gap;
  }
  spare.forEach((d, k) => {
    const x = dgX + k * (SIZE.diskWidth + SIZE.hostPad);
    place(
      {
        id: nodeId('disk', d.id),
        kind: 'disk',
        objectId: d.id,
        parentId: null,
        x,
        y: storageTop + SIZE.dgHeader,
        width: SIZE.diskWidth,
        height: SIZE.diskHeight,
      },
      null,
    );
  });

  let width = 0;
  let height = 0;
  for (const n of nodes) {
    width = Math.max(width, n.absX + n.width);
    height = Math.max(height, n.absY + n.height);
  }
  return { nodes, byId: new Map(nodes.map((n) => [n.id, n])), width, height };
}

/** The host box under a canvas point (for drag-and-drop), or null. */
export function hostAt(layout: TopologyLayout, point: { x: number; y: number }): string | null {
  for (const n of layout.nodes) {
    if (n.kind !== 'host') continue;
    if (
      point.x >= n.absX &&
      point.x <= n.absX + n.width &&
      point.y >= n.absY &&
      point.y <= n.absY + n.height
    ) {
      return n.objectId;
    }
  }
  return null;
}
