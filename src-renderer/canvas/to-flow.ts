/**
 * From the layout to React Flow's nodes and edges. Nodes carry only ids: each node component
 * reads its object's live state from the store, so a state change re-renders one node and
 * never rebuilds (or moves) the graph. Ownership edges follow `VolumeView.ownerHostId`.
 */
import type { Edge, Node } from '@xyflow/react';
import type { VolumeView } from '../../src-main/api/contract';
import { type NodeKind, nodeId, type TopologyLayout } from '../layout/topology-layout';

export interface TopologyNodeData extends Record<string, unknown> {
  objectId: string;
}

export type TopologyNode = Node<TopologyNodeData, NodeKind>;

export interface OwnerEdgeData extends Record<string, unknown> {
  volumeId: string;
  ownerHostId: string;
}

export type OwnerEdge = Edge<OwnerEdgeData, 'owner'>;

/**
 * `pinnedGuests`: guests that cannot be dragged (the central server VM: the pool does not
 * migrate it, so offering the gesture would only ever end in a refusal).
 */
export function toFlowNodes(
  layout: TopologyLayout,
  pinnedGuests: ReadonlySet<string> = new Set(),
): TopologyNode[] {
  // React Flow wants parents before their children.
  const parentsFirst = [...layout.nodes].sort(
    (a, b) => Number(a.parentId !== null) - Number(b.parentId !== null),
  );
  return parentsFirst.map((n) => ({
    id: n.id,
    type: n.kind,
    position: { x: n.x, y: n.y },
    width: n.width,
    height: n.height,
    ...(n.parentId ? { parentId: n.parentId } : {}),
    data: { objectId: n.objectId },
    draggable: n.kind === 'guest' && !pinnedGuests.has(n.objectId),
    selectable: true,
    connectable: false,
    // Group boxes stay under their children and under dragged guests.
    zIndex: n.kind === 'host' || n.kind === 'diskgroup' ? 0 : 1,
  }));
}

export function ownerEdgeId(volumeId: string): string {
  return `owner:${volumeId}`;
}

export function toOwnerEdges(volumes: readonly VolumeView[], layout: TopologyLayout): OwnerEdge[] {
  const edges: OwnerEdge[] = [];
  for (const v of volumes) {
    if (!v.ownerHostId) continue;
    const source = nodeId('volume', v.id);
    const target = nodeId('host', v.ownerHostId);
    if (!layout.byId.has(source) || !layout.byId.has(target)) continue;
    edges.push({
      id: ownerEdgeId(v.id),
      type: 'owner',
      source,
      target,
      sourceHandle: 'owner',
      targetHandle: 'owned',
      selectable: false,
      focusable: false,
      data: { volumeId: v.id, ownerHostId: v.ownerHostId },
    });
  }
  return edges;
}

/** Changes only when some volume's owner changes: the edges' memo key. */
export function ownershipKey(volumes: readonly VolumeView[]): string {
  return volumes.map((v) => `${v.id}>${v.ownerHostId ?? ''}`).join('|');
}
