/** The ownership edge: volume -> the host whose volume client owns it (animated while its guest migrates). */
import { BaseEdge, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { useXdc } from '../context';
import type { OwnerEdge as OwnerEdgeType } from './to-flow';

export const OwnerEdge = memo(function OwnerEdge(props: EdgeProps<OwnerEdgeType>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data } = props;
  const volumeId = data?.volumeId ?? '';
  const migrating = useXdc((s) => {
    const guestId = s.pool?.volumes.find((v) => v.id === volumeId)?.guestId;
    return guestId ? Boolean(s.pool?.guests.find((g) => g.id === guestId)?.migration) : false;
  });
  const [path] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <g
      className={`owner-edge${migrating ? ' migrating' : ''}`}
      data-testid={`edge-owner-${volumeId}`}
      data-owner={data?.ownerHostId ?? ''}
    >
      <BaseEdge id={id} path={path} />
    </g>
  );
});
