/** The DCLI command table: every command, in the order `dcli help` lists them. */
import { appCommands } from './cmd-app';
import { fenceLabCommands } from './cmd-fence-lab';
import { ioCommands } from './cmd-io';
import { lunCommands } from './cmd-lun';
import { scheduleCommands } from './cmd-schedule';
import { scsiCommands } from './cmd-scsi';
import { snapshotCommands } from './cmd-snapshot';
import type { Command } from './command';

export const COMMANDS: readonly Command[] = [
  ...lunCommands,
  ...appCommands,
  ...snapshotCommands,
  ...scheduleCommands,
  ...ioCommands,
  ...scsiCommands,
  ...fenceLabCommands,
];

export const GROUPS: readonly string[] = [...new Set(COMMANDS.map((c) => c.words[0]!))];

/** The command whose words start `words`, with how many words it took. */
export function findCommand(words: readonly string[]): { command: Command; used: number } | null {
  let best: { command: Command; used: number } | null = null;
  for (const c of COMMANDS) {
    if (c.words.length <= words.length && c.words.every((w, i) => words[i]?.toLowerCase() === w)) {
      if (!best || c.words.length > best.used) best = { command: c, used: c.words.length };
    }
  }
  return best;
}

export function commandsOfGroup(group: string): Command[] {
  return COMMANDS.filter((c) => c.words[0] === group.toLowerCase());
}
