/**
 * One browser tab's WebSocket on the pool: greets it, runs each WireRequest through the API
 * service, answers with a WireMessage, and pushes every pool event while the socket is open.
 * Calls run concurrently and answer in completion order; the id pairs them up.
 */
import type { WebSocket } from 'ws';
import type { ApiService, Caller } from '../api/service-types';
import type { WireMessage } from '../api/wire';
import { callOutcome } from './call-outcome';
import { NO_REQUEST_ID, parseWireRequest } from './wire-parse';

/** A tab that stops reading must not make the server buffer without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface WireSessionOptions {
  service: ApiService;
  caller: Caller;
  labDir: string;
  log?: (line: string) => void;
}

/** Returns the function that ends the session (also called when the socket closes). */
export function attachWireSession(socket: WebSocket, options: WireSessionOptions): () => void {
  const { service, caller } = options;
  let open = true;

  const send = (message: WireMessage): void => {
    if (!open || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      options.log?.('browser mode: closing a WebSocket that stopped reading');
      socket.close(1013, 'client too slow');
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (e) {
      if (message.type !== 'result') return;
      const reason = e instanceof Error ? e.message : String(e);
      text = JSON.stringify({
        type: 'result',
        id: message.id,
        ok: false,
        error: { code: 'ERR_INTERNAL', message: `the result could not be encoded (${reason})` },
      } satisfies WireMessage);
    }
    socket.send(text);
  };

  const unsubscribe = service.subscribe((event) => send({ type: 'event', event }));

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      send({
        type: 'result',
        id: NO_REQUEST_ID,
        ok: false,
        error: { code: 'ERR_BAD_REQUEST', message: 'binary messages are not accepted: send JSON text' },
      });
      return;
    }
    const parsed = parseWireRequest(data.toString());
    if (!parsed.ok) {
      send({ type: 'result', id: parsed.id, ok: false, error: parsed.error });
      return;
    }
    const { id, op, input } = parsed.request;
    void callOutcome(service, op, input, caller).then((outcome) => send({ type: 'result', id, ...outcome }));
  });

  const end = (): void => {
    if (!open) return;
    open = false;
    unsubscribe();
  };
  socket.on('close', end);
  socket.on('error', (e) => {
    options.log?.(`browser mode: WebSocket error: ${e.message}`);
    end();
  });

  send({ type: 'hello', role: caller.role, labDir: options.labDir });
  return end;
}
