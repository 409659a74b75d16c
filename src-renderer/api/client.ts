/**
 * ApiClient: one typed method per operation of the contract, over whichever Transport the
 * window has. Outputs are validated against the contract so a drifting server fails loudly
 * with a code, never as an undefined deep in a component.
 */
import {
  type OpInput,
  type OpName,
  type OpOutput,
  operations,
  opNames,
  type PoolEvent,
} from '../../src-main/api/contract';
import type { FolderPurpose, Transport, TransportStatus } from './transport';

/** An error from the API: the code and sentence the pool produced, unchanged. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** `ERR_HOST_DOWN: host h2 is down` — how errors reach the user. */
  get sentence(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function errorSentence(e: unknown): string {
  if (e instanceof ApiError) return e.sentence;
  if (e instanceof Error) return `ERR_CLIENT: ${e.message}`;
  return `ERR_CLIENT: ${String(e)}`;
}

export type ApiMethods = { [K in OpName]: (input: OpInput<K>) => Promise<OpOutput<K>> };

export type ApiClient = ApiMethods & {
  readonly transportKind: Transport['kind'];
  onEvent(listener: (event: PoolEvent) => void): () => void;
  onStatus(listener: (status: TransportStatus) => void): () => void;
  status(): TransportStatus;
  readonly pickFolder: ((purpose: FolderPurpose) => Promise<string | null>) | null;
  close(): void;
};

async function invoke<K extends OpName>(
  transport: Transport,
  op: K,
  input: OpInput<K>,
): Promise<OpOutput<K>> {
  const outcome = await transport.call(op, input);
  if (!outcome.ok) throw new ApiError(outcome.error.code, outcome.error.message);
  const parsed = operations[op].output.safeParse(outcome.value);
  if (!parsed.success) {
    throw new ApiError(
      'ERR_BAD_RESPONSE',
      `the lab answered ${op} with an unexpected shape: ${parsed.error.message}`,
    );
  }
  return parsed.data as OpOutput<K>;
}

export function createApiClient(transport: Transport): ApiClient {
  const methods: Partial<Record<OpName, (input: never) => Promise<unknown>>> = {};
  for (const op of opNames) {
    methods[op] = (input: never) => invoke(transport, op, input);
  }
  return {
    ...(methods as ApiMethods),
    transportKind: transport.kind,
    onEvent: (listener) => transport.onEvent(listener),
    onStatus: (listener) => transport.onStatus(listener),
    status: () => transport.status(),
    pickFolder: transport.pickFolder,
    close: () => transport.close(),
  };
}
