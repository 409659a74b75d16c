/**
 * The Electron application menu's commands (File/View/Pool), received over the shell's bridge
 * and run through the same actions as the buttons and shortcuts. The command type comes from
 * the wire shapes (src-main/api/wire.ts, type-only); the shape is checked here again
 * because it crossed a process boundary.
 */
import type { MenuCommand } from '../../src-main/api/wire';
import type { Actions } from '../actions';
import type { XdcStore } from '../state/store';
import { runShortcut } from './useShortcuts';

function asMenuCommand(value: unknown): MenuCommand | null {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Record<string, unknown>;
  switch (c.type) {
    case 'lab.new':
    case 'lab.open':
    case 'lab.save':
    case 'lab.saveAs':
    case 'view.fit':
    case 'view.zoomIn':
    case 'view.zoomOut':
      return { type: c.type };
    case 'lab.openRecent':
      return typeof c.dir === 'string' && c.dir ? { type: 'lab.openRecent', dir: c.dir } : null;
    case 'clock.speed':
      return typeof c.speed === 'number' && c.speed >= 0 ? { type: 'clock.speed', speed: c.speed } : null;
    default:
      return null;
  }
}

export function runMenuCommand(actions: Actions, store: XdcStore, raw: unknown): void {
  const command = asMenuCommand(raw);
  if (!command) return;
  switch (command.type) {
    // The menu items that have a shortcut run exactly what the shortcut runs.
    case 'lab.new':
    case 'lab.open':
    case 'lab.save':
    case 'lab.saveAs':
    case 'view.fit':
      runShortcut(command.type, actions, store);
      break;
    case 'lab.openRecent':
      void actions.applyLabFolder('open', command.dir);
      break;
    case 'view.zoomIn':
      actions.zoomIn();
      break;
    case 'view.zoomOut':
      actions.zoomOut();
      break;
    case 'clock.speed':
      void actions.setClockSpeed(command.speed);
      break;
  }
}

/** Subscribe to the shell's menu, when this window runs in the Electron shell. */
export function listenToMenu(bridge: unknown, actions: Actions, store: XdcStore): () => void {
  if (typeof bridge !== 'object' || bridge === null) return () => undefined;
  const onMenuCommand = (bridge as { onMenuCommand?: unknown }).onMenuCommand;
  if (typeof onMenuCommand !== 'function') return () => undefined;
  const off: unknown = onMenuCommand.call(bridge, (command: unknown) =>
    runMenuCommand(actions, store, command),
  );
  return typeof off === 'function' ? (off as () => void) : () => undefined;
}
