/** The top bar: lab file actions, the lab's name and dirty mark, the pool clock and its speed, the connection. */
import { useEffect, useState } from 'react';
import { useServices, useXdc } from '../context';
import { formatPoolTime, formatSpeed } from '../format';

const SPEEDS = [1, 10, 100] as const;

function PoolClock() {
  const clock = useXdc((s) => s.pool?.clock ?? null);
  const readAt = useXdc((s) => s.poolReadAt);
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 200);
    return () => clearInterval(t);
  }, []);
  if (!clock) return null;
  // Between pool reads the clock runs on at its speed; the next read corrects any drift.
  const now = clock.now + Math.max(0, Date.now() - readAt) * clock.speed;
  return (
    <span className="clock mono" data-testid="clock" data-speed={clock.speed}>
      {formatPoolTime(now)}
    </span>
  );
}

/**
 * The lab's iSCSI export (off by default, 127.0.0.1 only): one toggle; while on it shows the
 * portal's address so a real initiator can be pointed at it.
 */
function IscsiToggle() {
  const { client, store } = useServices();
  const [state, setState] = useState<{ enabled: boolean; address: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    client.iscsiStatus({}).then(setState, () => setState(null));
  }, [client]);
  if (!state) return null;
  const toggle = async () => {
    setBusy(true);
    try {
      const next = await client.setIscsi({ enabled: !state.enabled });
      setState(next);
      store
        .getState()
        .notify('info', next.enabled ? `iSCSI target listening on ${next.address}` : 'iSCSI target stopped');
    } catch (e) {
      store.getState().notify('error', `iSCSI: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      data-testid="iscsi-toggle"
      data-enabled={state.enabled}
      className={state.enabled ? 'active' : ''}
      disabled={busy}
      title={
        state.enabled
          ? `iSCSI target on ${state.address} — click to stop`
          : "Export the guests' LUNs over iSCSI on 127.0.0.1"
      }
      onClick={() => void toggle()}
    >
      {state.enabled ? `iSCSI ${state.address}` : 'iSCSI off'}
    </button>
  );
}

export function TopBar() {
  const { actions, store } = useServices();
  const lab = useXdc((s) => s.lab);
  const speed = useXdc((s) => s.pool?.clock.speed ?? null);
  const connection = useXdc((s) => s.connection);
  const poolName = useXdc((s) => s.pool?.name ?? '');
  const [recentOpen, setRecentOpen] = useState(false);

  return (
    <header className="topbar">
      <div className="brand">XDC Lab</div>
      <div className="lab-actions">
        <button
          type="button"
          data-testid="lab-new"
          title="New lab (Ctrl+N)"
          onClick={() => void actions.chooseLabFolder('new')}
        >
          New
        </button>
        <button
          type="button"
          data-testid="lab-open"
          title="Open lab (Ctrl+O)"
          onClick={() => void actions.chooseLabFolder('open')}
        >
          Open
        </button>
        <button
          type="button"
          data-testid="lab-save"
          title="Save (Ctrl+S)"
          onClick={() => void actions.saveLab()}
        >
          Save
        </button>
        <button
          type="button"
          data-testid="lab-save-as"
          title="Save as (Ctrl+Shift+S)"
          onClick={() => void actions.chooseLabFolder('save-as')}
        >
          Save As
        </button>
        <div className="dropdown">
          <button
            type="button"
            data-testid="lab-recent"
            onClick={() => setRecentOpen((o) => !o)}
            disabled={!lab?.recent.length}
          >
            Recent ▾
          </button>
          {recentOpen && lab && (
            <div className="dropdown-menu" data-testid="lab-recent-menu">
              {lab.recent.map((dir, i) => (
                <button
                  type="button"
                  key={dir}
                  data-testid={`lab-recent-${i}`}
                  onClick={() => {
                    setRecentOpen(false);
                    void actions.applyLabFolder('open', dir);
                  }}
                >
                  {dir}
                </button>
              ))}
            </div>
          )}
        </div>
      </div>
      <div className="lab-name" data-testid="lab-name" title={lab?.dir ?? ''}>
        {lab?.name ?? poolName}
        {lab?.dirty && (
          <span className="dirty" data-testid="lab-dirty" title="unsaved changes">
            {' '}
            ●
          </span>
        )}
        <span className="muted small"> {lab?.dir}</span>
      </div>
      <div className="clock-controls" data-testid="clock-controls">
        <IscsiToggle />
        <PoolClock />
        <button
          type="button"
          data-testid="clock-pause"
          className={speed === 0 ? 'active' : ''}
          title="Pause / resume (Space)"
          onClick={() => void actions.toggleClock()}
        >
          {speed === 0 ? '▶' : '❚❚'}
        </button>
        {SPEEDS.map((s) => (
          <button
            type="button"
            key={s}
            data-testid={`clock-speed-${s}`}
            className={speed === s ? 'active' : ''}
            onClick={() => void actions.setClockSpeed(s)}
          >
            {formatSpeed(s)}
          </button>
        ))}
      </div>
      <div
        className={`connection conn-${connection}`}
        data-testid="connection-status"
        title={`connection: ${connection}`}
      >
        ● {connection}
      </div>
      <button
        type="button"
        className="help-button"
        data-testid="help-button"
        title="Keyboard shortcuts (?)"
        onClick={() => store.getState().setHelpOpen(true)}
      >
        ?
      </button>
    </header>
  );
}
