/** Pool slice: the latest pool view, when it was read, and the lab folder's info. */
import type { StateCreator } from 'zustand/vanilla';
import type { LabInfo, PoolView } from '../../src-main/api/contract';
import { sharePool } from './share-pool';
import type { XdcState } from './store';

export interface PoolSlice {
  pool: PoolView | null;
  /** Wall-clock ms when `pool` was read: the clock display extrapolates from it. */
  poolReadAt: number;
  poolError: string | null;
  lab: LabInfo | null;
  setPool(pool: PoolView, readAt: number): void;
  setPoolError(error: string | null): void;
  setLab(lab: LabInfo): void;
  setClock(clock: { now: number; speed: number }, readAt: number): void;
}

export const createPoolSlice: StateCreator<XdcState, [], [], PoolSlice> = (set) => ({
  pool: null,
  poolReadAt: 0,
  poolError: null,
  lab: null,
  setPool: (pool, readAt) =>
    set((s) => ({ pool: sharePool(s.pool, pool), poolReadAt: readAt, poolError: null })),
  setPoolError: (poolError) => set({ poolError }),
  setLab: (lab) => set({ lab }),
  setClock: (clock, readAt) => set((s) => (s.pool ? { pool: { ...s.pool, clock }, poolReadAt: readAt } : {})),
});
