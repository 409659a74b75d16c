/**
 * The API service: the one implementation of the contract's operations that every transport
 * (IPC, WebSocket, HTTP, the headless command, the tests) calls. It owns the shared checks —
 * input validation, the caller's role — and dispatches to the open lab through `LabPort`.
 * Switching labs (open, save as) swaps the pool behind it without the transports noticing.
 */
import type { z } from 'zod';
import { roleAtLeast } from '../pool/central/roles';
import { asXdcError, XdcError } from '../pool/errors';
import {
  type InvariantReport,
  isOpName,
  type LabInfo,
  type MigrationJob,
  type OpName,
  type OpOutput,
  type OpParsedInput,
  operations,
  type PoolEvent,
  type PoolView,
} from './contract';
import type { ApiService, Caller } from './service-types';

/** What the service needs of an open lab (src-main/pool/pool.ts implements it). */
export interface PoolPort {
  readonly labDir: string;
  view(): PoolView;
  dcli(guestId: string, line: string, caller: Caller): Promise<{ exitCode: number; output: string }>;
  dcliComplete(guestId: string, line: string): Promise<{ candidates: string[]; replaceFrom: number }>;
  runScript(
    guestId: string,
    script: string,
    args: Record<string, string>,
    caller: Caller,
  ): Promise<{ exitCode: number; output: string }>;
  checkMigration(
    guestId: string,
    to: string,
  ): { allowed: boolean; code: string | null; reason: string | null };
  migrate(guestId: string, to: string, caller: Caller): MigrationJob;
  job(jobId: string): MigrationJob;
  jobs(): MigrationJob[];
  fault(
    kind: OpParsedInput<'fault'>['kind'],
    target: string,
    peer: string | undefined,
    caller: Caller,
  ): Promise<string>;
  events(after: number, limit: number, kind?: string): PoolEvent[];
  subscribe(listener: (e: PoolEvent) => void): () => void;
  setClockSpeed(speed: number): { now: number; speed: number };
  invariants(): InvariantReport;
  login(user: string, password: string): Promise<{ token: string; role: Caller['role']; expiresAt: number }>;
  verifyToken(token: string): Caller;
  save(): Promise<void>;
}

/** Opens, creates and switches labs; remembers recent ones. */
export interface LabController {
  current(): PoolPort;
  info(): LabInfo;
  open(dir: string, create: boolean): Promise<LabInfo>;
  saveAs(dir: string): Promise<LabInfo>;
  /** Called when the lab behind current() changes, so subscriptions follow it. */
  onSwitch(listener: () => void): () => void;
}

type Handlers = {
  [K in OpName]: (input: OpParsedInput<K>, caller: Caller) => Promise<OpOutput<K>> | OpOutput<K>;
};

/** A zod failure as one readable sentence: which field, what was expected. */
export function validationMessage(op: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((i) => {
    const where = i.path.length ? i.path.join('.') : 'input';
    return `${where}: ${i.message}`;
  });
  return `invalid input for ${op}: ${parts.join('; ')}`;
}

const checkOutputs = Boolean(process.env.VITEST);

/** The lab's iSCSI export (api/iscsi-control.ts implements it). */
export interface IscsiSwitch {
  state(): OpOutput<'iscsiStatus'>;
  enable(port?: number): Promise<OpOutput<'setIscsi'>>;
  disable(): Promise<OpOutput<'setIscsi'>>;
}

export function createApiService(labs: LabController, iscsi: IscsiSwitch): ApiService {
  const pool = () => labs.current();
  const handlers: Handlers = {
    login: ({ user, password }) => pool().login(user, password),
    getPool: () => pool().view(),
    dcli: ({ guestId, line }, caller) => pool().dcli(guestId, line, caller),
    dcliComplete: ({ guestId, line }) => pool().dcliComplete(guestId, line),
    runScript: ({ guestId, script, args }, caller) => pool().runScript(guestId, script, args, caller),
    checkMigration: ({ guestId, to }) => pool().checkMigration(guestId, to),
    migrate: ({ guestId, to }, caller) => pool().migrate(guestId, to, caller),
    getJob: ({ jobId }) => pool().job(jobId),
    listJobs: () => pool().jobs(),
    fault: async ({ kind, target, peer }, caller) => ({
      ok: true as const,
      message: await pool().fault(kind, target, peer, caller),
    }),
    events: ({ after, limit, kind }) => pool().events(after, limit, kind),
    setClockSpeed: ({ speed }) => pool().setClockSpeed(speed),
    invariants: () => pool().invariants(),
    iscsiStatus: () => iscsi.state(),
    setIscsi: ({ enabled, port }) => (enabled ? iscsi.enable(port) : iscsi.disable()),
    labInfo: () => labs.info(),
    saveLab: async () => {
      await pool().save();
      return labs.info();
    },
    openLab: ({ dir, create }) => labs.open(dir, create),
    saveLabAs: ({ dir }) => labs.saveAs(dir),
  };

  const listeners = new Set<(e: PoolEvent) => void>();
  let unsubscribePool: (() => void) | null = null;
  const attach = () => {
    unsubscribePool?.();
    unsubscribePool = listeners.size
      ? pool().subscribe((e) => {
          for (const l of listeners) l(e);
        })
      : null;
  };
  labs.onSwitch(attach);

  return {
    async call<K extends OpName>(op: K, input: unknown, caller: Caller): Promise<OpOutput<K>> {
      if (!isOpName(op)) throw new XdcError('ERR_NOT_FOUND', `no such operation: ${String(op)}`);
      const def = operations[op];
      if (op !== 'login' && !roleAtLeast(caller.role, def.role)) {
        throw new XdcError(
          'ERR_FORBIDDEN',
          `${op} needs the ${def.role} role; ${caller.principal} is ${caller.role}`,
        );
      }
      const parsed = def.input.safeParse(input ?? {});
      if (!parsed.success) throw new XdcError('ERR_VALIDATION', validationMessage(op, parsed.error));
      try {
        const handler = handlers[op] as (i: unknown, c: Caller) => Promise<OpOutput<K>> | OpOutput<K>;
        const out = await handler(parsed.data, caller);
        if (checkOutputs) {
          const check = def.output.safeParse(out);
          if (!check.success)
            throw new XdcError(
              'ERR_INTERNAL',
              `output of ${op} breaks the contract: ${validationMessage(op, check.error)}`,
            );
        }
        return out;
      } catch (e) {
        throw asXdcError(e);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) attach();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) attach();
      };
    },
    verifyToken(token) {
      return pool().verifyToken(token);
    },
  };
}
