/** Shared storage on the canvas: the disk group box, its disks, volumes (VDIs) and snapshots. */
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { SnapshotView } from '../../../src-main/api/contract';
import { useXdc } from '../../context';
import { formatBytes } from '../../format';
import { selectVolume } from '../../state/selectors';
import type { TopologyNode } from '../to-flow';

export const DiskGroupNode = memo(function DiskGroupNode({ data, selected }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const dg = useXdc((s) => s.pool?.diskGroups.find((d) => d.id === id));
  if (!dg) return null;
  const used = dg.sizeBytes > 0 ? 1 - dg.freeBytes / dg.sizeBytes : 0;
  return (
    <div className={`dg-node${selected ? ' selected' : ''}`} data-testid={`diskgroup-${id}`}>
      <div className="dg-header">
        <span className="dg-name">{dg.name}</span>
        <span className="muted small">
          disk group (SR) · {formatBytes(dg.freeBytes)} free of {formatBytes(dg.sizeBytes)}
        </span>
      </div>
      <div className="progress thin">
        <div className="progress-bar" style={{ width: `${Math.round(used * 100)}%` }} />
      </div>
    </div>
  );
});

export const DiskNode = memo(function DiskNode({ data, selected }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const disk = useXdc((s) => s.pool?.disks.find((d) => d.id === id));
  if (!disk) return null;
  return (
    <div
      className={`disk-node state-${disk.state}${selected ? ' selected' : ''}`}
      data-testid={`disk-${id}`}
      data-state={disk.state}
    >
      <div className="disk-name">{disk.name}</div>
      <div className="small muted">
        {formatBytes(disk.sizeBytes)}{' '}
        {disk.state === 'failed' && <span className="badge badge-failed">failed</span>}
      </div>
    </div>
  );
});

export const VolumeNode = memo(function VolumeNode({ data, selected }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const volume = useXdc(selectVolume(id));
  const degraded = useXdc((s) => {
    const v = s.pool?.volumes.find((x) => x.id === id);
    return v ? v.diskIds.some((d) => s.pool?.disks.find((k) => k.id === d)?.state === 'failed') : false;
  });
  if (!volume) return null;
  return (
    <div
      className={`volume-node${degraded ? ' degraded' : ''}${volume.ownerHostId ? '' : ' unowned'}${selected ? ' selected' : ''}`}
      data-testid={`volume-${id}`}
      data-owner={volume.ownerHostId ?? ''}
    >
      <Handle type="source" position={Position.Top} id="owner" isConnectable={false} />
      <div className="volume-name" title={volume.id}>
        {volume.name}
      </div>
      <div className="small muted">
        {formatBytes(volume.sizeBytes)}
        {volume.guestId !== null && ` · ${volume.guestId} LUN ${volume.lun ?? '?'}`}
      </div>
      <div className="small volume-owner-line">
        {volume.ownerHostId ? (
          <span className="owner">owned by {volume.ownerHostId}</span>
        ) : (
          <span className="muted">no owner</span>
        )}
        {degraded && <span className="badge badge-failed">disk failed</span>}
      </div>
    </div>
  );
});

function findSnapshot(volumes: readonly { snapshots: SnapshotView[] }[] | undefined, id: string) {
  for (const v of volumes ?? []) {
    const s = v.snapshots.find((x) => x.id === id);
    if (s) return s;
  }
  return undefined;
}

export const SnapshotNode = memo(function SnapshotNode({ data, selected }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const snap = useXdc((s) => findSnapshot(s.pool?.volumes, id));
  if (!snap) return null;
  return (
    <div className={`snapshot-node${selected ? ' selected' : ''}`} data-testid={`snapshot-${id}`}>
      <span className="snap-name" title={snap.id}>
        ◷ {snap.name}
      </span>
      <span className={`badge badge-${snap.consistency}`}>
        {snap.consistency === 'application' ? 'app' : 'crash'}
      </span>
      <span className="muted small">{formatBytes(snap.cowBytes)}</span>
    </div>
  );
});
