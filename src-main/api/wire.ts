/**
 * The wire shapes every transport of the one API shares: Electron IPC (preload bridge) and the
 * browser-mode WebSocket carry exactly these messages; HTTP maps each operation to a route
 * (contract.httpRoutes) and errors to `{"error": {"code", "message"}}`.
 *
 * Shared by main, preload and renderer: imports nothing but the contract's types.
 */
import type { OpName, PoolEvent } from './contract';

export type ApiErrorShape = { code: string; message: string };
export type CallOutcome<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

/** Client -> server (WebSocket). */
export type WireRequest = { type: 'call'; id: number; op: OpName; input: unknown };

/** Server -> client (WebSocket). */
export type WireMessage =
  | ({ type: 'result'; id: number } & CallOutcome)
  | { type: 'event'; event: PoolEvent }
  | { type: 'hello'; role: string; labDir: string };

/** IPC channel names (Electron). */
export const IPC = {
  call: 'xdc:call',
  event: 'xdc:event',
  pickFolder: 'xdc:pick-folder',
  /** main -> renderer: the application menu's commands. */
  menu: 'xdc:menu',
} as const;

/**
 * Commands the Electron application menu sends to the renderer. The menu only asks; the renderer
 * does the work through the same API calls its own buttons and shortcuts use (so File > Save and
 * Ctrl+S cannot behave differently).
 */
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

/**
 * What the preload script exposes on `window.xdc` — the typed API and nothing else (never
 * ipcRenderer itself).
 */
export interface XdcBridge {
  readonly transport: 'ipc';
  call(op: OpName, input: unknown): Promise<CallOutcome>;
  onEvent(listener: (event: PoolEvent) => void): () => void;
  /** Native folder dialog for New / Open / Save As of a lab; null when cancelled. */
  pickFolder(purpose: 'new' | 'open' | 'save-as'): Promise<string | null>;
  /** The application menu's commands (Electron only; browser mode has no menu). */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
