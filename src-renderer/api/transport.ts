/**
 * The Transport seam: how the renderer reaches the one API. Two implementations exist (Electron
 * IPC bridge, browser-mode WebSocket); the ApiClient above them never knows which one it has.
 */
import type { OpName, PoolEvent } from '../../src-main/api/contract';
import type { CallOutcome } from '../../src-main/api/wire';

export type TransportStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export type FolderPurpose = 'new' | 'open' | 'save-as';

export interface Transport {
  readonly kind: 'ipc' | 'ws';
  call(op: OpName, input: unknown): Promise<CallOutcome>;
  onEvent(listener: (event: PoolEvent) => void): () => void;
  /** Connection state changes; a reconnect means events may have been missed. */
  onStatus(listener: (status: TransportStatus) => void): () => void;
  status(): TransportStatus;
  /** Native folder picker when the host has one (Electron); null means "ask in the app". */
  readonly pickFolder: ((purpose: FolderPurpose) => Promise<string | null>) | null;
  close(): void;
}

/** A tiny listener set shared by both transports. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (e) {
        // A failing listener must not starve the others of pool events.
        console.error('listener failed', e);
      }
    }
  }
  clear(): void {
    this.set.clear();
  }
}
