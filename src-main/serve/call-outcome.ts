/**
 * Runs one operation for a UI transport (Electron IPC or browser-mode WebSocket) and turns the
 * result into the wire's CallOutcome: the value, or the error's code and sentence unchanged.
 * One function so both windows on the pool report errors identically.
 */
import { isOpName } from '../api/contract';
import type { ApiService, Caller } from '../api/service-types';
import type { CallOutcome } from '../api/wire';
import { asXdcError } from '../pool/errors';

export async function callOutcome(
  service: ApiService,
  op: unknown,
  input: unknown,
  caller: Caller,
): Promise<CallOutcome> {
  if (!isOpName(op)) {
    return {
      ok: false,
      error: {
        code: 'ERR_BAD_REQUEST',
        message: `unknown operation ${JSON.stringify(String(op)).slice(0, 80)}`,
      },
    };
  }
  try {
    const value: unknown = await service.call(op, input, caller);
    return { ok: true, value };
  } catch (e) {
    const err = asXdcError(e);
    return { ok: false, error: { code: err.code, message: err.message } };
  }
}
