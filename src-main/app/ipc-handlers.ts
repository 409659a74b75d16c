/**
 * The main-process end of the window's bridge. Each handler first checks who is asking
 * (renderer-origin.ts: our window, its top frame, showing our renderer) and only then calls the
 * API service as the window's principal, or opens the native folder dialog.
 */
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { OpName } from '../api/contract';
import type { ApiService, Caller } from '../api/service-types';
import { type CallOutcome, IPC } from '../api/wire';
import { callOutcome } from '../serve/call-outcome';
import { isTrustedSender } from './renderer-origin';

export const WINDOW_CALLER: Caller = { principal: 'ui:window', role: 'admin' };

const DIALOG_TITLES = {
  new: 'New Lab: choose an empty folder',
  open: 'Open Lab',
  'save-as': 'Save Lab As: choose a folder',
} as const;
type FolderPurpose = keyof typeof DIALOG_TITLES;

export interface IpcHandlerDeps {
  ipcMain: IpcMain;
  dialog: Dialog;
  service: ApiService;
  window: () => BrowserWindow | null;
  log: (line: string) => void;
  /** After each successful call (the menu follows lab and clock changes). */
  onCallSucceeded?: (op: OpName, value: unknown) => void;
}

/** Returns the function that removes the handlers. */
export function registerIpcHandlers(deps: IpcHandlerDeps): () => void {
  const { ipcMain, service, log } = deps;

  const requireTrusted = (event: IpcMainInvokeEvent, channel: string): BrowserWindow => {
    const win = deps.window();
    if (!win || win.isDestroyed() || !isTrustedSender(event, win.webContents)) {
      log(`window: refused ${channel} from ${event.senderFrame?.url.slice(0, 200) ?? 'a destroyed frame'}`);
      throw new Error('ERR_FORBIDDEN: this message did not come from the XDC Lab window');
    }
    return win;
  };

  ipcMain.handle(IPC.call, async (event, op: unknown, input: unknown): Promise<CallOutcome> => {
    requireTrusted(event, IPC.call);
    const outcome = await callOutcome(service, op, input, WINDOW_CALLER);
    if (outcome.ok) deps.onCallSucceeded?.(op as OpName, outcome.value);
    return outcome;
  });

  ipcMain.handle(IPC.pickFolder, async (event, purpose: unknown): Promise<string | null> => {
    const win = requireTrusted(event, IPC.pickFolder);
    if (typeof purpose !== 'string' || !Object.hasOwn(DIALOG_TITLES, purpose)) {
      throw new Error('ERR_BAD_REQUEST: the folder dialog purpose must be new, open or save-as');
    }
    const result = await deps.dialog.showOpenDialog(win, {
      title: DIALOG_TITLES[purpose as FolderPurpose],
      properties: ['openDirectory', 'createDirectory'],
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });

  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeHandler(IPC.pickFolder);
  };
}
