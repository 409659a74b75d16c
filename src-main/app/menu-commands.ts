/**
 * Commands the application menu sends to the renderer, and the bridge that carries them. The
 * menu only asks; the renderer does the work through the same API calls its own buttons and
 * shortcuts use (so File > Save and Ctrl+S cannot behave differently).
 *
 * Shared by main, preload and renderer: imports only types.
 */
import type { XdcBridge } from '../api/wire';

/** IPC channel of menu commands (main -> renderer). */
export const MENU_IPC = 'xdc:menu';

export type MenuCommand =
  | { type: 'lab.new' }
  | { type: 'lab.open' }
  | { type: 'lab.openRecent'; dir: string }
  | { type: 'lab.save' }
  | { type: 'lab.saveAs' }
  | { type: 'view.fit' }
  | { type: 'view.zoomIn' }
  | { type: 'view.zoomOut' }
  | { type: 'clock.speed'; speed: number };

/** What window.xdc is in the Electron shell: the API bridge plus the menu's commands. */
export interface XdcShellBridge extends XdcBridge {
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

const SIMPLE_COMMANDS = new Set([
  'lab.new',
  'lab.open',
  'lab.save',
  'lab.saveAs',
  'view.fit',
  'view.zoomIn',
  'view.zoomOut',
]);

export function isMenuCommand(value: unknown): value is MenuCommand {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  if (typeof c.type !== 'string') return false;
  if (SIMPLE_COMMANDS.has(c.type)) return true;
  if (c.type === 'lab.openRecent') return typeof c.dir === 'string' && c.dir.length > 0;
  if (c.type === 'clock.speed') return typeof c.speed === 'number' && c.speed >= 0 && c.speed <= 10_000;
  return false;
}
