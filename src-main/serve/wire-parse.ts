/**
 * Parses one WebSocket text frame into a WireRequest, or says precisely what is wrong with it.
 * Anything can arrive on the socket: this function never throws, and a bad message costs the
 * sender one error reply, never the connection or the server.
 */
import { isOpName } from '../api/contract';
import type { ApiErrorShape, WireRequest } from '../api/wire';

/** Echoed as the id of a reply when the request carried no usable id. */
export const NO_REQUEST_ID = -1;

export type ParsedWire = { ok: true; request: WireRequest } | { ok: false; id: number; error: ApiErrorShape };

const bad = (id: number, message: string): ParsedWire => ({
  ok: false,
  id,
  error: { code: 'ERR_BAD_REQUEST', message },
});

export function parseWireRequest(text: string): ParsedWire {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return bad(NO_REQUEST_ID, 'the message is not JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return bad(NO_REQUEST_ID, 'the message must be a JSON object {type, id, op, input}');
  }
  const fields = message as Record<string, unknown>;
  const id = fields.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return bad(NO_REQUEST_ID, 'the message needs an id: a non-negative integer');
  }
  if (fields.type !== 'call')
    return bad(id, `unknown message type ${describe(fields.type)} (expected "call")`);
  if (!isOpName(fields.op)) return bad(id, `unknown operation ${describe(fields.op)}`);
  const input = Object.hasOwn(fields, 'input') ? fields.input : {};
  return { ok: true, request: { type: 'call', id, op: fields.op, input } };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return value === undefined ? 'undefined' : typeof value;
}
