/**
 * The API service every transport calls. It validates each input against the contract, checks
 * the caller's role, runs the operation on the pool and returns the contract's output, or throws
 * an XdcError whose code and sentence the transport passes on unchanged.
 */
import type { OpName, OpOutput, PoolEvent, Role } from './contract';

export interface Caller {
  /** `user:admin`, `node:g3`, `ui:window` ... for the event log and audit. */
  principal: string;
  role: Role;
}

export interface ApiService {
  call<K extends OpName>(op: K, input: unknown, caller: Caller): Promise<OpOutput<K>>;
  /** Live events (the event log as it grows). Returns the unsubscribe function. */
  subscribe(listener: (event: PoolEvent) => void): () => void;
  /** VRTSat token -> caller; throws XdcError ERR_UNAUTHENTICATED (401) when missing, forged or expired. */
  verifyToken(token: string): Caller;
}
