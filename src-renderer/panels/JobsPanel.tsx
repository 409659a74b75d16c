/** Recent migration jobs: phase and progress while running, downtime when done, the reason when failed. */
import { useMemo } from 'react';
import { useServices, useXdc } from '../context';
import { formatBytes, formatDuration } from '../format';
import { jobsNewestFirst } from '../state/selectors';

export function JobsPanel() {
  const { store } = useServices();
  const jobsById = useXdc((s) => s.jobs);
  const jobs = useMemo(() => jobsNewestFirst(jobsById).slice(0, 8), [jobsById]);
  return (
    <section className="panel jobs" data-testid="jobs">
      <h2>Migrations</h2>
      {jobs.length === 0 && <div className="muted">Drag a guest onto another host to migrate it live.</div>}
      {jobs.map((j) => (
        <button
          type="button"
          key={j.id}
          className={`row-button job job-${j.state}`}
          data-testid={`job-${j.id}`}
          data-state={j.state}
          onClick={() => store.getState().select({ kind: 'guest', id: j.guestId })}
        >
          <div>
            <b>{j.guestId}</b> {j.from} → {j.to}{' '}
            <span className={`badge badge-job-${j.state}`}>{j.state}</span>
          </div>
          {j.state === 'running' && (
            <>
              <div className="small">
                {j.phase} · round {j.rounds} · {formatBytes(j.bytesSent)} sent
              </div>
              <div className="progress">
                <div className="progress-bar" style={{ width: `${Math.round(j.progress * 100)}%` }} />
              </div>
            </>
          )}
          {j.state === 'succeeded' && (
            <div className="small" data-testid={`job-downtime-${j.id}`}>
              downtime {formatDuration(j.downtimeMs ?? 0)} · total {formatDuration(j.totalMs ?? 0)} ·{' '}
              {j.rounds} rounds
            </div>
          )}
          {j.state === 'failed' && (
            <div className="small error-text" data-testid={`job-error-${j.id}`}>
              {j.error ? `${j.error.code}: ${j.error.message}` : 'failed'}
              {j.rolledBack.length > 0 && ` · rolled back: ${j.rolledBack.join(', ')}`}
            </div>
          )}
        </button>
      ))}
    </section>
  );
}
