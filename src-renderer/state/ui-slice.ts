/**
 * UI slice: overlays, the drag-and-drop hint, notices, the invariants report, the connection
 * state — everything the window shows that is not pool state.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { InvariantReport } from '../../src-main/api/contract';
import type { TransportStatus } from '../api/transport';
import type { XdcState } from './store';

export type DropStatus = 'checking' | 'allowed' | 'refused' | 'same-host';

export interface DragHover {
  guestId: string;
  hostId: string;
  status: DropStatus;
  reason: string | null;
}

export interface Notice {
  id: number;
  level: 'info' | 'error';
  text: string;
}

export type LabDialogPurpose = 'new' | 'open' | 'save-as';

export interface ContextMenuState {
  x: number;
  y: number;
  kind: 'host' | 'guest' | 'disk' | 'volume';
  id: string;
}

export interface UiSlice {
  connection: TransportStatus;
  helpOpen: boolean;
  labDialog: LabDialogPurpose | null;
  contextMenu: ContextMenuState | null;
  dragHover: DragHover | null;
  draggingGuest: string | null;
  notices: Notice[];
  invariants: InvariantReport | null;
  invariantsError: string | null;
  dockTab: 'events' | 'terminals';
  setConnection(status: TransportStatus): void;
  setHelpOpen(open: boolean): void;
  setLabDialog(purpose: LabDialogPurpose | null): void;
  setContextMenu(menu: ContextMenuState | null): void;
  setDragHover(hover: DragHover | null): void;
  setDraggingGuest(guestId: string | null): void;
  notify(level: Notice['level'], text: string): number;
  dismissNotice(id: number): void;
  setInvariants(report: InvariantReport | null, error: string | null): void;
  setDockTab(tab: 'events' | 'terminals'): void;
}

let noticeSeq = 0;
const NOTICE_LIMIT = 5;

export const createUiSlice: StateCreator<XdcState, [], [], UiSlice> = (set) => ({
  connection: 'connecting',
  helpOpen: false,
  labDialog: null,
  contextMenu: null,
  dragHover: null,
  draggingGuest: null,
  notices: [],
  invariants: null,
  invariantsError: null,
  dockTab: 'events',
  setConnection: (connection) => set({ connection }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  setLabDialog: (labDialog) => set({ labDialog }),
  setContextMenu: (contextMenu) => set({ contextMenu }),
  setDragHover: (dragHover) => set({ dragHover }),
  setDraggingGuest: (draggingGuest) => set({ draggingGuest }),
  notify: (level, text) => {
    const id = ++noticeSeq;
    set((s) => ({ notices: [...s.notices, { id, level, text }].slice(-NOTICE_LIMIT) }));
    return id;
  },
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setInvariants: (invariants, invariantsError) => set({ invariants, invariantsError }),
  setDockTab: (dockTab) => set({ dockTab }),
});
