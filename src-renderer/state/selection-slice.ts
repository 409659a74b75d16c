/** Selection slice: the one object the inspector shows. */
import type { StateCreator } from 'zustand/vanilla';
import type { XdcState } from './store';

export type SelectionKind = 'host' | 'guest' | 'volume' | 'snapshot' | 'disk' | 'diskgroup' | 'lun';

/** A LUN is selected as `<guestId>#<lun>`. */
export interface Selection {
  kind: SelectionKind;
  id: string;
}

export interface SelectionSlice {
  selection: Selection | null;
  select(selection: Selection | null): void;
}

export const createSelectionSlice: StateCreator<XdcState, [], [], SelectionSlice> = (set) => ({
  selection: null,
  select: (selection) => set({ selection }),
});
