/**
 * The topology canvas (React Flow): nodes from the pure layout, ownership edges from the pool
 * view, drag-and-drop migration, selection, context menus and double-click terminals. The
 * graph is rebuilt only when the pool's structure changes; state changes re-render nodes.
 */
import {
  applyNodeChanges,
  Background,
  BackgroundVariant,
  Controls,
  type EdgeTypes,
  MiniMap,
  type NodeChange,
  type NodeTypes,
  Panel,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
} from '@xyflow/react';
import { type MouseEvent as ReactMouseEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PoolView } from '../../src-main/api/contract';
import { useServices, useXdc } from '../context';
import { layoutTopology, structureKey, type TopologyLayout } from '../layout/topology-layout';
import type { SelectionKind } from '../state/selection-slice';
import { GuestDrag } from './drag-migrate';
import { GuestNode } from './nodes/GuestNode';
import { HostNode } from './nodes/HostNode';
import { DiskGroupNode, DiskNode, SnapshotNode, VolumeNode } from './nodes/StorageNodes';
import { OwnerEdge } from './OwnerEdge';
import { ownershipKey, type TopologyNode, toFlowNodes, toOwnerEdges } from './to-flow';

const nodeTypes: NodeTypes = {
  host: HostNode,
  guest: GuestNode,
  diskgroup: DiskGroupNode,
  disk: DiskNode,
  volume: VolumeNode,
  snapshot: SnapshotNode,
};
const edgeTypes: EdgeTypes = { owner: OwnerEdge };

declare global {
  interface Window {
    __xdcReady?: boolean;
  }
}

const MINIMAP_MAX_NODES = 300;

// Selectors run on every store change (each event appends to the log): compute the keys once per
// change of the pool's lists (kept by sharePool when unchanged), not once per event, or a
// 500-guest pool spends its frames sorting strings.
let lastStructure: { lists: unknown[]; key: string } | null = null;
function structureKeyOf(pool: PoolView): string {
  const lists = [pool.hosts, pool.guests, pool.disks, pool.diskGroups, pool.volumes];
  if (!lastStructure || lists.some((l, i) => l !== lastStructure?.lists[i])) {
    lastStructure = { lists, key: structureKey(pool) };
  }
  return lastStructure.key;
}
const ownershipKeys = new WeakMap<PoolView['volumes'], string>();
function ownershipKeyOf(volumes: PoolView['volumes']): string {
  let key = ownershipKeys.get(volumes);
  if (key === undefined) {
    key = ownershipKey(volumes);
    ownershipKeys.set(volumes, key);
  }
  return key;
}

const EMPTY_LAYOUT: TopologyLayout = { nodes: [], byId: new Map(), width: 0, height: 0 };

export function TopologyCanvas() {
  const { store, actions } = useServices();
  const structure = useXdc((s) => (s.pool ? structureKeyOf(s.pool) : ''));
  const owners = useXdc((s) => (s.pool ? ownershipKeyOf(s.pool.volumes) : ''));
  const dropHint = useXdc((s) => s.dragHover);
  const rf = useReactFlow<TopologyNode>();

  // Keyed on the structure only, by design: state changes must not move anything.
  const layout = useMemo(() => {
    const pool = store.getState().pool;
    return structure && pool ? layoutTopology(pool) : EMPTY_LAYOUT;
  }, [structure, store]);
  const centralGuestId = useXdc((s) => s.pool?.centralGuestId ?? '');
  const baseNodes = useMemo(() => toFlowNodes(layout, new Set([centralGuestId])), [layout, centralGuestId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: edges change when an owner changes
  const edges = useMemo(
    () => toOwnerEdges(store.getState().pool?.volumes ?? [], layout),
    [owners, layout, store],
  );

  const [nodes, setNodes] = useState<TopologyNode[]>(baseNodes);
  useEffect(() => setNodes(baseNodes), [baseNodes]);
  const onNodesChange = useCallback(
    (changes: NodeChange<TopologyNode>[]) => setNodes((ns) => applyNodeChanges(changes, ns)),
    [],
  );

  const drag = useRef<GuestDrag | null>(null);
  const pointOf = useCallback(
    (e: MouseEvent | TouchEvent) => {
      const p = 'changedTouches' in e ? e.changedTouches[0] : e;
      return rf.screenToFlowPosition({ x: p?.clientX ?? 0, y: p?.clientY ?? 0 });
    },
    [rf],
  );

  const onNodeDragStart = useCallback(
    (_e: MouseEvent | TouchEvent, node: TopologyNode) => {
      if (node.type !== 'guest') return;
      drag.current = new GuestDrag(store, actions, node.data.objectId);
    },
    [store, actions],
  );
  const onNodeDrag = useCallback(
    (e: MouseEvent | TouchEvent) => drag.current?.hover(layout, pointOf(e)),
    [layout, pointOf],
  );
  const onNodeDragStop = useCallback(
    (e: MouseEvent | TouchEvent) => {
      const d = drag.current;
      drag.current = null;
      // The guest snaps back to its place; a successful migration moves it when the pool says so.
      setNodes(baseNodes);
      if (d) void d.drop(layout, pointOf(e));
    },
    [layout, baseNodes, pointOf],
  );

  const onNodeClick = useCallback(
    (_e: ReactMouseEvent, node: TopologyNode) => {
      store.getState().select({ kind: node.type as SelectionKind, id: node.data.objectId });
      store.getState().setContextMenu(null);
    },
    [store],
  );
  const onNodeDoubleClick = useCallback(
    (_e: ReactMouseEvent, node: TopologyNode) => {
      if (node.type === 'guest') store.getState().openTerminal(node.data.objectId);
    },
    [store],
  );
  const onNodeContextMenu = useCallback(
    (e: ReactMouseEvent, node: TopologyNode) => {
      if (node.type !== 'host' && node.type !== 'guest' && node.type !== 'disk' && node.type !== 'volume')
        return;
      e.preventDefault();
      store.getState().select({ kind: node.type, id: node.data.objectId });
      store
        .getState()
        .setContextMenu({ x: e.clientX, y: e.clientY, kind: node.type, id: node.data.objectId });
    },
    [store],
  );
  const onPaneClick = useCallback(() => {
    store.getState().select(null);
    store.getState().setContextMenu(null);
  }, [store]);

  useEffect(() => {
    actions.fitView = () => void rf.fitView({ padding: 0.08, duration: 200 });
    actions.zoomIn = () => void rf.zoomIn({ duration: 150 });
    actions.zoomOut = () => void rf.zoomOut({ duration: 150 });
  }, [actions, rf]);

  const initialised = useNodesInitialized();
  const fitted = useRef(false);
  useEffect(() => {
    if (!initialised || nodes.length === 0 || fitted.current) return;
    fitted.current = true;
    void rf.fitView({ padding: 0.08 }).then(() => {
      window.__xdcReady = true;
    });
  }, [initialised, nodes.length, rf]);

  return (
    <div className="canvas" data-testid="topology">
      <ReactFlow<TopologyNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStart={onNodeDragStart}
        onNodeDrag={onNodeDrag}
        onNodeDragStop={onNodeDragStop}
        onNodeClick={onNodeClick}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodeContextMenu={onNodeContextMenu}
        onPaneClick={onPaneClick}
        nodesConnectable={false}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        panActivationKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
        minZoom={0.03}
        maxZoom={2.5}
        colorMode="dark"
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1} />
        <Controls showInteractive={false} />
        {/* The minimap redraws every node on each drag move: past a few hundred nodes that halves
            the frame rate while dragging, and the fitted canvas is the overview anyway. */}
        {nodes.length <= MINIMAP_MAX_NODES && <MiniMap pannable zoomable nodeStrokeWidth={2} />}
        {dropHint && dropHint.status !== 'checking' && (
          <Panel position="bottom-center">
            <div
              className={`drop-hint drop-${dropHint.status}`}
              data-testid="drop-reason"
              data-status={dropHint.status}
            >
              {dropHint.status === 'allowed'
                ? `Drop to migrate ${dropHint.guestId} to ${dropHint.hostId}`
                : `${dropHint.guestId} → ${dropHint.hostId}: ${dropHint.reason ?? 'not allowed'}`}
            </div>
          </Panel>
        )}
      </ReactFlow>
    </div>
  );
}
