/**
 * Terminals slice: which guest terminals are open and which one is shown. Only tab metadata
 * lives here; each xterm instance lives in the terminal registry so it survives re-renders.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { XdcState } from './store';

export interface TerminalsSlice {
  terminalTabs: string[];
  activeTerminal: string | null;
  openTerminal(guestId: string): void;
  closeTerminal(guestId: string): void;
  showTerminal(guestId: string): void;
}

export const createTerminalsSlice: StateCreator<XdcState, [], [], TerminalsSlice> = (set, get) => ({
  terminalTabs: [],
  activeTerminal: null,
  openTerminal: (guestId) => {
    // The central server VM is the management server, not a managed guest: it runs no DCLI.
    const guest = get().pool?.guests.find((g) => g.id === guestId);
    if (guest?.central) {
      get().notify(
        'info',
        `${guest.name} is the central server: it runs no DCLI; open a managed guest's terminal`,
      );
      return;
    }
    set((s) => ({
      terminalTabs: s.terminalTabs.includes(guestId) ? s.terminalTabs : [...s.terminalTabs, guestId],
      activeTerminal: guestId,
      dockTab: 'terminals',
    }));
  },
  closeTerminal: (guestId) =>
    set((s) => {
      const index = s.terminalTabs.indexOf(guestId);
      if (index < 0) return {};
      const terminalTabs = s.terminalTabs.filter((id) => id !== guestId);
      const activeTerminal =
        s.activeTerminal === guestId
          ? (terminalTabs[Math.min(index, terminalTabs.length - 1)] ?? null)
          : s.activeTerminal;
      return { terminalTabs, activeTerminal };
    }),
  showTerminal: (guestId) =>
    set((s) => (s.terminalTabs.includes(guestId) ? { activeTerminal: guestId, dockTab: 'terminals' } : {})),
});
