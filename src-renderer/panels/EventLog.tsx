/** The event log: reporter updates, migration phases, snapshots, logins, faults — filterable by kind and text. */
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useServices, useXdc } from '../context';
import { formatPoolTime } from '../format';
import { eventKinds, filterEvents } from '../state/selectors';

const SHOWN = 500;

export function EventLog() {
  const { store } = useServices();
  const events = useXdc((s) => s.events);
  const filter = useXdc((s) => s.eventFilter);
  const kinds = useMemo(() => eventKinds(events), [events]);
  const shown = useMemo(() => filterEvents(events, filter).slice(-SHOWN), [events, filter]);
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    const el = list.current;
    if (!el) return;
    const onScroll = () => {
      stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
    };
    el.addEventListener('scroll', onScroll);
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <section className="event-log" data-testid="event-log">
      <div className="event-filters">
        <select
          data-testid="event-filter-kind"
          value={filter.kind}
          onChange={(e) => store.getState().setEventFilter({ kind: e.target.value })}
        >
          <option value="">all kinds</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <input
          id="event-filter-text"
          data-testid="event-filter-text"
          placeholder="filter text (E)"
          value={filter.text}
          onChange={(e) => store.getState().setEventFilter({ text: e.target.value })}
        />
        <span className="muted small">
          {shown.length} of {events.length}
        </span>
      </div>
      <div className="event-rows" ref={list}>
        {shown.map((e) => (
          <div
            key={e.seq}
            className={`event-row kind-${e.kind.split('.')[0]}`}
            data-testid="event-row"
            data-kind={e.kind}
            data-seq={e.seq}
          >
            <span className="ev-time mono">{formatPoolTime(e.time)}</span>
            <span className="ev-kind">{e.kind}</span>
            <span className="ev-source muted">{e.source}</span>
            <span className="ev-msg">{e.message}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
