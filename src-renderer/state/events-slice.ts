/**
 * Events slice: the pool's event log as seen by this window (bounded, ordered by seq, no
 * duplicates even when a reconnect re-reads events we already had), plus the log's filter.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { PoolEvent } from '../../src-main/api/contract';
import type { XdcState } from './store';

export const EVENT_LIMIT = 2000;

export interface EventFilter {
  kind: string;
  text: string;
}

export interface EventsSlice {
  events: PoolEvent[];
  lastSeq: number;
  eventFilter: EventFilter;
  appendEvents(events: readonly PoolEvent[]): void;
  resetEvents(): void;
  setEventFilter(filter: Partial<EventFilter>): void;
}

export const createEventsSlice: StateCreator<XdcState, [], [], EventsSlice> = (set) => ({
  events: [],
  lastSeq: 0,
  eventFilter: { kind: '', text: '' },
  appendEvents: (incoming) =>
    set((s) => {
      const fresh = incoming.filter((e) => e.seq > s.lastSeq);
      if (fresh.length === 0) return {};
      const sorted = [...fresh].sort((a, b) => a.seq - b.seq);
      const unique = sorted.filter((e, i) => i === 0 || e.seq !== sorted[i - 1]?.seq);
      const events = [...s.events, ...unique].slice(-EVENT_LIMIT);
      return { events, lastSeq: unique[unique.length - 1]?.seq ?? s.lastSeq };
    }),
  resetEvents: () => set({ events: [], lastSeq: 0 }),
  setEventFilter: (filter) => set((s) => ({ eventFilter: { ...s.eventFilter, ...filter } })),
});
