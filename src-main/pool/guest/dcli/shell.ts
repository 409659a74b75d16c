/**
 * The guest's command shell as the terminal sees it: one line in, `{exitCode, output}` out,
 * never an exception. It knows the programs a guest has (`dcli`, `vxfenconfig`), parses with
 * the tokenizer and the command table, maps errors to exit codes (2 wrong line with usage,
 * 1 failed operation with its sentence), and completes commands, options, LUNs, apps,
 * snapshot names and schedule ids.
 */
import { asXdcError, XdcError } from '../../errors';
import { lunName } from '../agentlets';
import { configureFencing } from '../fencing';
import { type ArgKind, type Command, type DcliHost, type Outcome, UsageError, usageLine } from './command';
import { COMMANDS, commandsOfGroup, findCommand, GROUPS } from './commands';
import { commandHelp, groupUsage, helpFor, overview } from './help';
import { parseInvocation } from './parse';
import { tokenize } from './tokenize';

const PROGRAMS = ['dcli', 'vxfenconfig'] as const;

export function prompt(os: 'windows' | 'linux', guestName: string): string {
  return os === 'windows' ? 'C:\\>' : `root@${guestName}:~# `;
}

function notFound(os: 'windows' | 'linux', program: string): Outcome {
  return os === 'windows'
    ? {
        exitCode: 9009,
        output: `'${program}' is not recognized as an internal or external command,\noperable program or batch file.`,
      }
    : { exitCode: 127, output: `-bash: ${program}: command not found` };
}

function usage(message: string, text: string): Outcome {
  return { exitCode: 2, output: `dcli: ${message}\n${text}` };
}

export async function runLine(host: DcliHost, line: string): Promise<Outcome> {
  try {
    return await dispatch(host, line);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, 'Run "dcli help" for the commands.');
    const err = asXdcError(e);
    return { exitCode: 1, output: `dcli: ${err.toString()}` };
  }
}

async function dispatch(host: DcliHost, line: string): Promise<Outcome> {
  const t = tokenize(line);
  if (!t.ok) return usage(t.error, 'Quote with \'...\' or "...", escape with \\.');
  const words = t.tokens.map((x) => x.text);
  if (words.length === 0) return { exitCode: 0, output: '' };
  const program = words[0]!.toLowerCase().replace(/\.exe$/, '');
  if (program === 'vxfenconfig') return vxfenconfig(host, words.slice(1));
  if (program !== 'dcli') return notFound(host.os, words[0]!);
  return dcli(host, words.slice(1));
}

async function dcli(host: DcliHost, words: string[]): Promise<Outcome> {
  const first = words[0]?.toLowerCase();
  if (first === undefined) return usage('no command given', overview(host.os));
  if (first === 'help' || first === '--help' || first === '-h' || first === '/?') {
    if (words.length === 1) return { exitCode: 0, output: overview(host.os) };
    const h = helpFor(words.slice(1));
    return h
      ? { exitCode: 0, output: h }
      : usage(`no help for '${words.slice(1).join(' ')}': unknown command`, overview(host.os));
  }
  const found = findCommand(words);
  if (!found) {
    if (GROUPS.includes(first)) {
      const sub = words[1];
      return usage(sub ? `unknown ${first} command '${sub}'` : `${first} needs a command`, groupUsage(first));
    }
    return usage(`unknown command '${words[0]}'`, 'Run "dcli help" for the commands.');
  }
  const { command, used } = found;
  const rest = words.slice(used);
  if (rest.some((w) => w === '--help' || w === '-h' || w === '/?'))
    return { exitCode: 0, output: commandHelp(command) };
  let inv: ReturnType<typeof parseInvocation>;
  try {
    inv = parseInvocation(command, rest);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, `Usage: ${usageLine(command)}`);
    throw e;
  }
  try {
    return await command.run(host, inv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message, `Usage: ${usageLine(command)}`);
    if (e instanceof XdcError || e instanceof Error)
      return { exitCode: 1, output: `dcli: ${asXdcError(e).toString()}` };
    return { exitCode: 1, output: `dcli: ${String(e)}` };
  }
}

async function vxfenconfig(host: DcliHost, args: string[]): Promise<Outcome> {
  if (args.length === 1 && args[0] === '-c') return configureFencing(host.hba, host.luns(), host.guestName);
  return {
    exitCode: 2,
    output: "Usage: vxfenconfig -c\n  -c  configure I/O fencing on the coordinator disks (this guest's LUNs)",
  };
}

// ------------------------------------------------------------------ completion

export interface Completion {
  candidates: string[];
  replaceFrom: number;
}

export function complete(host: DcliHost, line: string): Completion {
  try {
    return completeLine(host, line);
  } catch {
    return { candidates: [], replaceFrom: line.length };
  }
}

function completeLine(host: DcliHost, line: string): Completion {
  const t = tokenize(line);
  if (!t.ok) return { candidates: [], replaceFrom: line.length };
  const tokens = t.tokens;
  const atNewWord = tokens.length === 0 || t.trailingBlank;
  const current = atNewWord ? '' : tokens[tokens.length - 1]!.text;
  const replaceFrom = atNewWord ? line.length : tokens[tokens.length - 1]!.start;
  const before = (atNewWord ? tokens : tokens.slice(0, -1)).map((x) => x.text);
  const pick = (options: Iterable<string>) => ({
    candidates: [...new Set(options)].filter((o) => o.toLowerCase().startsWith(current.toLowerCase())).sort(),
    replaceFrom,
  });
  if (before.length === 0) return pick(PROGRAMS);
  const program = before[0]!.toLowerCase().replace(/\.exe$/, '');
  if (program === 'vxfenconfig') return pick(before.length === 1 ? ['-c'] : []);
  if (program !== 'dcli') return pick([]);
  const words = before.slice(1);
  if (words.length === 0) return pick([...GROUPS, 'help']);
  if (words[0]!.toLowerCase() === 'help') {
    if (words.length === 1) return pick(GROUPS);
    if (words.length === 2)
      return pick(
        commandsOfGroup(words[1]!)
          .map((c) => c.words[1] ?? '')
          .filter(Boolean),
      );
    return pick([]);
  }
  const found = findCommand(words);
  if (!found) {
    if (words.length === 1)
      return pick(
        commandsOfGroup(words[0]!)
          .map((c) => c.words[1] ?? '')
          .filter(Boolean),
      );
    return pick([]);
  }
  const c = found.command;
  const rest = words.slice(found.used);
  const prev = rest[rest.length - 1];
  const pending = prev?.startsWith('--')
    ? c.options.find((o) => o.name === prev.slice(2) && o.value)
    : undefined;
  if (pending) return pick(pending.name === 'veto' ? host.apps().map((a) => a.id) : []);
  if (current.startsWith('-')) return pick(optionWords(c, rest));
  const positional = countPositionals(c, rest);
  const spec = c.args[Math.min(positional, c.args.length - 1)];
  if (!spec || (positional >= c.args.length && !spec.rest)) return pick(optionWords(c, rest));
  const values = valuesFor(host, spec.kind);
  return pick(values.length ? values : current === '' ? optionWords(c, rest) : []);
}

function optionWords(c: Command, used: string[]): string[] {
  const names = c.options.map((o) => `--${o.name}`);
  if (c.json) names.push('--json');
  return names.filter((n) => !used.includes(n));
}

function countPositionals(c: Command, words: string[]): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('--')) {
      const o = c.options.find((x) => x.name === w.slice(2));
      if (o?.value && !w.includes('=')) i++;
      continue;
    }
    n++;
  }
  return n;
}

function valuesFor(host: DcliHost, kind: ArgKind): string[] {
  switch (kind) {
    case 'lun':
      return host.luns().map((l) => lunName(l.lun));
    case 'app':
      return host.apps().map((a) => a.id);
    case 'target':
      return [...host.apps().map((a) => a.id), ...host.luns().map((l) => lunName(l.lun))];
    case 'snapshot':
      return host.knownSnapshotNames();
    case 'schedule':
      return host.scheduler.list().map((s) => s.id);
    default:
      return [];
  }
}

/** Every command line the table knows, for tests and documentation. */
export function allUsageLines(): string[] {
  return COMMANDS.map(usageLine);
}
