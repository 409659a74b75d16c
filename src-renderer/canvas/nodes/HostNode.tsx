/** A host (Dom0) box: its state, the volume-server mark, and the drop verdict while a guest hovers. */
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { useXdc } from '../../context';
import { selectHost } from '../../state/selectors';
import type { TopologyNode } from '../to-flow';

export const HostNode = memo(function HostNode({ data, selected }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const host = useXdc(selectHost(id));
  const hover = useXdc((s) => (s.dragHover?.hostId === id ? s.dragHover : null));
  const guestCount = useXdc((s) => s.pool?.guests.filter((g) => g.hostId === id).length ?? 0);
  if (!host) return null;
  return (
    <div
      className={`host-node state-${host.state}${selected ? ' selected' : ''}${hover ? ` drop-${hover.status}` : ''}`}
      data-testid={`host-${id}`}
      data-state={host.state}
      data-drop={hover?.status ?? ''}
    >
      <div className="host-header">
        <div className="host-title">
          <span className="host-name">{host.name}</span>
          <span className="muted">{id} · Dom0</span>
        </div>
        <div className="badges">
          <span className={`badge badge-${host.state}`}>{host.state}</span>
          {host.volumeServer && (
            <span
              className="badge badge-vs"
              data-testid={`volume-server-${id}`}
              title="volume server: owns all storage metadata"
            >
              volume server
            </span>
          )}
          <span className="muted small">
            {guestCount} guest{guestCount === 1 ? '' : 's'} · {Math.round(host.memoryMiB / 1024)} GiB
          </span>
        </div>
      </div>
      {hover && hover.status !== 'checking' && (
        <div className={`drop-verdict drop-${hover.status}`}>
          {hover.status === 'allowed' ? 'drop to migrate here' : (hover.reason ?? 'not allowed')}
        </div>
      )}
      <Handle type="target" position={Position.Bottom} id="owned" isConnectable={false} />
    </div>
  );
});
