/** Notices: what an action did, or why it was refused, in the pool's own words. */
import { useEffect } from 'react';
import { useServices, useXdc } from '../context';
import type { Notice } from '../state/ui-slice';

// Refusals stay longer: the reason is what the user needs to read.
const LIFETIME_MS = { info: 4000, error: 15000 } as const;

function NoticeItem({ notice }: { notice: Notice }) {
  const { store } = useServices();
  useEffect(() => {
    const t = setTimeout(() => store.getState().dismissNotice(notice.id), LIFETIME_MS[notice.level]);
    return () => clearTimeout(t);
  }, [notice, store]);
  return (
    <div
      className={`notice notice-${notice.level}`}
      data-testid={notice.level === 'error' ? 'notice-error' : 'notice-info'}
    >
      <span>{notice.text}</span>
      <button type="button" className="link" onClick={() => store.getState().dismissNotice(notice.id)}>
        ×
      </button>
    </div>
  );
}

export function Notices() {
  const notices = useXdc((s) => s.notices);
  return (
    <div className="notices">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  );
}
