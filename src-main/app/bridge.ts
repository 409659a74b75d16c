/**
 * Builds window.xdc for the sandboxed preload: the typed API bridge and nothing else. The
 * renderer never sees ipcRenderer, an IpcRendererEvent, or any channel name; each method sends
 * on exactly one channel and checks its arguments first (main checks them again: the renderer is
 * not trusted on either side).
 *
 * No runtime import of 'electron' here, so tests can build the bridge with fakes; preload.ts
 * passes the real contextBridge and ipcRenderer.
 */
import type { PoolEvent } from '../api/contract';
import { type CallOutcome, IPC, type MenuCommand, type XdcBridge } from '../api/wire';
import { isMenuCommand } from './menu-commands';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(apiKey: string, api: unknown): void;
}

/** The key on window. */
export const BRIDGE_KEY = 'xdc';

const FOLDER_PURPOSES = new Set(['new', 'open', 'save-as']);
/** Op names are identifiers; main checks them against the contract (the preload stays free of zod). */
const OP_NAME_SHAPE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export function buildBridge(ipc: IpcRendererLike): XdcBridge {
  const subscribe = <T>(
    channel: string,
    accept: (payload: unknown) => payload is T,
    listener: (payload: T) => void,
  ) => {
    if (typeof listener !== 'function') throw new TypeError('the listener must be a function');
    const relay = (_event: unknown, payload: unknown) => {
      if (accept(payload)) listener(payload);
    };
    ipc.on(channel, relay);
    return () => {
      ipc.removeListener(channel, relay);
    };
  };

  const bridge: XdcBridge = {
    transport: 'ipc',
    async call(op, input) {
      if (typeof op !== 'string' || !OP_NAME_SHAPE.test(op)) {
        return {
          ok: false,
          error: {
            code: 'ERR_BAD_REQUEST',
            message: `unknown operation ${JSON.stringify(String(op)).slice(0, 80)}`,
          },
        };
      }
      try {
        return (await ipc.invoke(IPC.call, op, input)) as CallOutcome;
      } catch (e) {
        return { ok: false, error: errorShapeOf(e) };
      }
    },
    onEvent(listener) {
      return subscribe<PoolEvent>(IPC.event, isEventLike, listener);
    },
    onMenuCommand(listener) {
      return subscribe<MenuCommand>(IPC.menu, isMenuCommand, listener);
    },
    async pickFolder(purpose) {
      if (!FOLDER_PURPOSES.has(purpose))
        throw new TypeError(`unknown folder purpose ${JSON.stringify(String(purpose))}`);
      const dir = await ipc.invoke(IPC.pickFolder, purpose);
      return typeof dir === 'string' ? dir : null;
    },
  };
  return Object.freeze(bridge);
}

export function exposeBridge(contextBridge: ContextBridgeLike, ipc: IpcRendererLike): void {
  contextBridge.exposeInMainWorld(BRIDGE_KEY, buildBridge(ipc));
}

function isEventLike(payload: unknown): payload is PoolEvent {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as { kind?: unknown }).kind === 'string'
  );
}

/** Electron wraps a rejected handler as "Error invoking remote method 'x': Error: CODE: sentence". */
function errorShapeOf(e: unknown): { code: string; message: string } {
  const text = e instanceof Error ? e.message : String(e);
  const coded = /(ERR_[A-Z_]+): (.*)$/s.exec(text);
  return coded
    ? { code: coded[1] as string, message: coded[2] as string }
    : { code: 'ERR_INTERNAL', message: text };
}
