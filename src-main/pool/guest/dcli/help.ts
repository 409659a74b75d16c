/** `dcli help` and `dcli help <command>`, generated from the command table. */
import { type Command, usageLine } from './command';
import { COMMANDS, commandsOfGroup, GROUPS } from './commands';

export function overview(os: 'windows' | 'linux'): string {
  const w = Math.max(...COMMANDS.map((c) => c.words.join(' ').length));
  const lines = [
    `DCLI - XDC managed host command line (${os === 'windows' ? 'Windows guest CLI' : 'Linux guest'})`,
    '',
    'Usage: dcli <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(w)}  ${c.summary}`),
    '',
    'Also: vxfenconfig -c   (Veritas I/O fencing; fails on XDC virtual LUNs)',
    '',
    'Listings take --json. Exit codes: 0 success, 1 the operation failed, 2 wrong command line.',
    'Run "dcli help <command>" for one command, e.g. "dcli help snapshot create".',
  ];
  return lines.join('\n');
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: ${usageLine(c)}`, '', c.summary];
  if (c.details?.length) lines.push('', ...c.details);
  const opts = c.options.map((o) => [o.value ? `--${o.name} <${o.value}>` : `--${o.name}`, o.help] as const);
  if (c.json) opts.push(['--json', 'print the result as JSON']);
  if (opts.length) {
    const w = Math.max(...opts.map(([k]) => k.length));
    lines.push('', 'Options:', ...opts.map(([k, h]) => `  ${k.padEnd(w)}  ${h}`));
  }
  return lines.join('\n');
}

/** Help for `dcli help <words...>`: a command, a group, or null when nothing matches. */
export function helpFor(words: string[]): string | null {
  const exact = COMMANDS.find((c) => c.words.join(' ') === words.join(' ').toLowerCase());
  if (exact) return commandHelp(exact);
  if (words.length === 1 && GROUPS.includes(words[0]!.toLowerCase())) return groupUsage(words[0]!);
  return null;
}

export function groupUsage(group: string): string {
  const cs = commandsOfGroup(group);
  return ['Usage:', ...cs.map((c) => `  ${usageLine(c)}`)].join('\n');
}
