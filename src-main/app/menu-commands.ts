/**
 * Checks a menu command that crossed the IPC boundary. The command type (MenuCommand) and the
 * bridge's onMenuCommand live in src-main/api/wire.ts, so the renderer imports only the
 * contract and the wire shapes; the aliases below keep main-side imports short.
 */
import { IPC, type MenuCommand, type XdcBridge } from '../api/wire';

export type { MenuCommand };

/** IPC channel of menu commands (main -> renderer); the name lives with the other channels. */
export const MENU_IPC = IPC.menu;

/** window.xdc in the Electron shell; the bridge type itself carries onMenuCommand now. */
export type XdcShellBridge = XdcBridge;

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
