/**
 * The renderer's store: one zustand store made of slices per concern. It is a vanilla store
 * (no React) so the event feed and the tests drive it directly; components read it through
 * `useXdc(selector)` and select only the fields they render.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createEventsSlice, type EventsSlice } from './events-slice';
import { createJobsSlice, type JobsSlice } from './jobs-slice';
import { createPoolSlice, type PoolSlice } from './pool-slice';
import { createSelectionSlice, type SelectionSlice } from './selection-slice';
import { createTerminalsSlice, type TerminalsSlice } from './terminals-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type XdcState = PoolSlice & JobsSlice & TerminalsSlice & SelectionSlice & EventsSlice & UiSlice;
export type XdcStore = StoreApi<XdcState>;

export function createXdcStore(): XdcStore {
  return createStore<XdcState>()((...a) => ({
    ...createPoolSlice(...a),
    ...createJobsSlice(...a),
    ...createTerminalsSlice(...a),
    ...createSelectionSlice(...a),
    ...createEventsSlice(...a),
    ...createUiSlice(...a),
  }));
}
