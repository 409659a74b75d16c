/**
 * Transport over the Electron preload bridge (`window.xdc`): calls and events cross the
 * context-isolated IPC channel; the bridge is the only thing the preload exposes.
 */
import type { OpName } from '../../src-main/api/contract';
import type { CallOutcome, XdcBridge } from '../../src-main/api/wire';
import { Listeners, type Transport, type TransportStatus } from './transport';

export function isXdcBridge(value: unknown): value is XdcBridge {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.transport === 'ipc' && typeof v.call === 'function' && typeof v.onEvent === 'function';
}

export function createIpcTransport(bridge: XdcBridge): Transport {
  const statusListeners = new Listeners<TransportStatus>();
  let status: TransportStatus = 'open';
  return {
    kind: 'ipc',
    async call(op: OpName, input: unknown): Promise<CallOutcome> {
      if (status === 'closed')
        return { ok: false, error: { code: 'ERR_DISCONNECTED', message: 'the window was closed' } };
      return bridge.call(op, input);
    },
    onEvent: (listener) => bridge.onEvent(listener),
    onStatus: (listener) => statusListeners.add(listener),
    status: () => status,
    pickFolder: typeof bridge.pickFolder === 'function' ? (purpose) => bridge.pickFolder(purpose) : null,
    close() {
      status = 'closed';
      statusListeners.emit(status);
      statusListeners.clear();
    },
  };
}
