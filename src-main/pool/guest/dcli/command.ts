/**
 * The shape of a DCLI command (one entry of the command table) and of the guest it runs in.
 * A command declares its words, arguments and options; the shell parses the line against that
 * declaration, so usage, help and completion all come from the same table.
 */
import type { AppWorkload } from '../apps';
import type { SnapshotScheduler } from '../scheduler';
import type { GuestHba } from '../scsi-commands';
import type { SnapshotService, SnapshotTarget } from '../snapshots';
import type { VssFaults } from '../vss/faults';
import type { LunBacking, LunRecord } from '../wire';

/** What a positional argument names: drives completion and the usage text. */
export type ArgKind = 'lun' | 'app' | 'target' | 'snapshot' | 'schedule' | 'hex' | 'word';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  optional?: boolean;
  /** Takes all remaining words (at least one unless optional). */
  rest?: boolean;
}

export interface OptionSpec {
  name: string;
  /** Placeholder of the value; a flag when absent. */
  value?: string;
  help: string;
  required?: boolean;
}

export interface Invocation {
  args: string[];
  options: Map<string, string | true>;
  json: boolean;
}

export interface Outcome {
  exitCode: number;
  output: string;
}

export interface RescanOutcome {
  luns: LunRecord[];
  errors: string[];
  added: LunRecord[];
  removed: LunRecord[];
  resized: Array<{ lun: LunRecord; fromBytes: number }>;
}

/** The managed host as DCLI sees it. */
export interface DcliHost {
  readonly guestId: string;
  readonly guestName: string;
  readonly os: 'windows' | 'linux';
  readonly hba: GuestHba;
  luns(): LunRecord[];
  rescan(): Promise<RescanOutcome>;
  /** lun1, 1, 0:0:0:1, a serial or an NAA id -> the LUN; ERR_NOT_FOUND naming what exists. */
  resolveLun(word: string): LunRecord;
  apps(): readonly AppWorkload[];
  resolveApp(word: string): AppWorkload;
  resolveTarget(word: string): SnapshotTarget;
  lookupLun(naa: string): Promise<LunBacking | null>;
  readonly snapshots: SnapshotService;
  readonly scheduler: SnapshotScheduler;
  readonly vssFaults: VssFaults;
  /** Names seen by the last snapshot listing (completion is synchronous). */
  knownSnapshotNames(): string[];
  rememberSnapshotNames(names: string[]): void;
  readonly poolNow: () => number;
}

export interface Command {
  words: readonly string[];
  args: readonly ArgSpec[];
  options: readonly OptionSpec[];
  summary: string;
  /** More lines for `dcli help <command>`. */
  details?: readonly string[];
  /** Accepts --json (every listing does). */
  json?: boolean;
  run(host: DcliHost, inv: Invocation): Promise<Outcome>;
}

/** A wrong line: exit code 2 with the command's usage. */
export class UsageError extends Error {}

export function ok(output: string): Outcome {
  return { exitCode: 0, output };
}

export function json(value: unknown): Outcome {
  return { exitCode: 0, output: JSON.stringify(value, null, 2) };
}

export function option(inv: Invocation, name: string): string | undefined {
  const v = inv.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flag(inv: Invocation, name: string): boolean {
  return inv.options.get(name) === true;
}

export function usageLine(c: Command): string {
  const args = c.args.map((a) => {
    const inner = a.rest ? `${a.name}...` : a.name;
    return a.optional ? `[<${inner}>]` : `<${inner}>`;
  });
  const opts = c.options.map((o) => {
    const t = o.value ? `--${o.name} <${o.value}>` : `--${o.name}`;
    return o.required ? t : `[${t}]`;
  });
  if (c.json) opts.push('[--json]');
  return ['dcli', ...c.words, ...args, ...opts].join(' ');
}
