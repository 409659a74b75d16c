/** Wires the shortcut table to the window's keydown events and the actions. */
import { useEffect } from 'react';
import type { Actions } from '../actions';
import type { XdcStore } from '../state/store';
import { matchShortcut, type ShortcutAction } from './shortcuts';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('.xterm')) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function runShortcut(action: ShortcutAction, actions: Actions, store: XdcStore): void {
  const s = store.getState();
  switch (action) {
    case 'lab.new':
      void actions.chooseLabFolder('new');
      break;
    case 'lab.open':
      void actions.chooseLabFolder('open');
      break;
    case 'lab.save':
      void actions.saveLab();
      break;
    case 'lab.saveAs':
      void actions.chooseLabFolder('save-as');
      break;
    case 'terminal.open':
      actions.openTerminalForSelection();
      break;
    case 'view.fit':
      actions.fitView();
      break;
    case 'clock.toggle':
      void actions.toggleClock();
      break;
    case 'clock.1x':
      void actions.setClockSpeed(1);
      break;
    case 'clock.10x':
      void actions.setClockSpeed(10);
      break;
    case 'clock.100x':
      void actions.setClockSpeed(100);
      break;
    case 'invariants.check':
      void actions.checkInvariants();
      break;
    case 'events.focus':
      s.setDockTab('events');
      setTimeout(() => document.getElementById('event-filter-text')?.focus(), 0);
      break;
    case 'help.toggle':
      s.setHelpOpen(!s.helpOpen);
      break;
    case 'escape':
      if (s.helpOpen) s.setHelpOpen(false);
      else if (s.labDialog) s.setLabDialog(null);
      else if (s.contextMenu) s.setContextMenu(null);
      else s.select(null);
      break;
  }
}

export function useShortcuts(actions: Actions, store: XdcStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = isTyping(e.target);
      const action = matchShortcut(e, typing);
      if (!action) return;
      // In a terminal, Esc belongs to the terminal.
      if (action === 'escape' && typing && (e.target as HTMLElement).closest('.xterm')) return;
      e.preventDefault();
      runShortcut(action, actions, store);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [actions, store]);
}
