/** A guest VM inside its host: state, central-server mark, migration phase and progress, last job. */
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useXdc } from '../../context';
import { formatDuration } from '../../format';
import { jobsForGuest, selectGuest } from '../../state/selectors';
import type { TopologyNode } from '../to-flow';

export const GuestNode = memo(function GuestNode({ data, selected, dragging }: NodeProps<TopologyNode>) {
  const id = data.objectId;
  const guest = useXdc(selectGuest(id));
  const lastJob = useXdc((s) => jobsForGuest(s.jobs, id)[0] ?? null);
  if (!guest) return null;
  const m = guest.migration;
  const progress = m ? Math.round(m.progress * 100) : 0;
  return (
    <div
      className={`guest-node state-${guest.state}${guest.central ? ' central' : ''}${guest.reachable ? '' : ' unreachable'}${selected ? ' selected' : ''}${dragging ? ' dragging' : ''}`}
      data-testid={`guest-${id}`}
      data-host={guest.hostId}
      data-state={guest.state}
      data-central={guest.central ? 'true' : 'false'}
      data-phase={m?.phase ?? ''}
      title={
        guest.central
          ? 'the central server VM: VRTSat, the database and the API · right-click for faults'
          : 'drag onto another host to migrate · double-click for a terminal · right-click for faults'
      }
    >
      <div className="guest-top">
        <span className={`os os-${guest.os}`}>{guest.os === 'windows' ? 'WIN' : 'LNX'}</span>
        <span className="guest-name">{guest.name}</span>
        <span className={`dot dot-${guest.state}`} title={guest.state} />
      </div>
      <div className="guest-sub small">
        {guest.central && <span className="badge badge-central">central server</span>}
        {/* A crashed guest is unreachable by definition: one badge says it. */}
        {!guest.reachable && guest.state !== 'crashed' && (
          <span className="badge badge-partitioned">unreachable</span>
        )}
        {guest.state !== 'running' && guest.state !== 'migrating' && (
          <span className={`badge badge-${guest.state}`}>{guest.state}</span>
        )}
        {guest.central && !m && <span className="muted">VRTSat · DB · API</span>}
        {!guest.central && !m && (
          <span className="muted">
            {guest.luns.length} LUN · {guest.apps.length} app
          </span>
        )}
      </div>
      {m ? (
        <div className="migration" data-testid={`guest-migration-${id}`}>
          <span className="small">
            → {m.to} · {m.phase} {progress}%
          </span>
          <div className="progress">
            <div
              className="progress-bar"
              data-testid={`guest-progress-${id}`}
              style={{ width: `${progress}%` }}
            />
          </div>
        </div>
      ) : (
        lastJob &&
        lastJob.state !== 'running' && (
          <div className={`last-job small job-${lastJob.state}`} data-testid={`guest-lastjob-${id}`}>
            {lastJob.state === 'succeeded'
              ? `migrated ${lastJob.from}→${lastJob.to} · downtime ${formatDuration(lastJob.downtimeMs ?? 0)}`
              : `migration failed: ${lastJob.error?.code ?? 'error'}`}
          </div>
        )
      )}
    </div>
  );
});
