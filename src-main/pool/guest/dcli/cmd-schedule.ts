/** `dcli schedule add | list | remove`: snapshot schedules with retention, kept on the central server. */
import { formatInterval, parseInterval } from '../scheduler';
import { type Command, json, ok, option, UsageError } from './command';
import { poolTime, table } from './format';

const add: Command = {
  words: ['schedule', 'add'],
  args: [{ name: 'lun|app', kind: 'target' }],
  options: [
    { name: 'every', value: 'interval', help: 'how often: 30s, 15m, 2h, 1d', required: true },
    { name: 'keep', value: 'n', help: 'how many of its snapshots to keep (oldest pruned)', required: true },
  ],
  json: true,
  summary: 'snapshot a LUN or app every interval of pool time, keeping the newest n',
  async run(host, inv) {
    const everyText = option(inv, 'every')!;
    const every = parseInterval(everyText);
    if (every === null)
      throw new UsageError(`--every ${everyText}: expected an interval like 30s, 15m, 2h or 1d`);
    if (every < 1000) throw new UsageError('--every must be at least 1s');
    const keepText = option(inv, 'keep')!;
    const keep = Number(keepText);
    if (!/^\d+$/.test(keepText) || keep < 1 || keep > 1000)
      throw new UsageError(`--keep ${keepText}: expected a whole number from 1 to 1000`);
    const s = await host.scheduler.add(inv.args[0]!, every, keep);
    if (inv.json) return json(s);
    return ok(
      `Schedule ${s.id} added: snapshot ${s.target} every ${formatInterval(s.everyMs)}, keep ${s.keep} (${s.consistency}-consistent).`,
    );
  },
};

const list: Command = {
  words: ['schedule', 'list'],
  args: [],
  options: [],
  json: true,
  summary: 'list snapshot schedules and their last run',
  async run(host, inv) {
    const items = host.scheduler.list();
    const last = (id: string) => [...host.scheduler.runs].reverse().find((r) => r.scheduleId === id);
    if (inv.json) return json(items.map((s) => ({ ...s, lastRun: last(s.id) ?? null })));
    if (items.length === 0)
      return ok(
        host.scheduler.loaded
          ? 'No schedules.'
          : 'No schedules loaded yet (the central server has not answered).',
      );
    return ok(
      table(
        ['ID', 'TARGET', 'EVERY', 'KEEP', 'CONSISTENCY', 'LAST RUN'],
        items.map((s) => {
          const r = last(s.id);
          return [
            s.id,
            s.target,
            formatInterval(s.everyMs),
            s.keep,
            s.consistency,
            r ? `${poolTime(r.startedAt)} ${r.ok ? 'ok' : 'FAILED'}` : '-',
          ];
        }),
      ),
    );
  },
};

const remove: Command = {
  words: ['schedule', 'remove'],
  args: [{ name: 'id', kind: 'schedule' }],
  options: [],
  summary: 'remove a schedule (its snapshots stay)',
  async run(host, inv) {
    const s = await host.scheduler.remove(inv.args[0]!);
    return ok(`Schedule ${s.id} removed; its snapshots were kept.`);
  },
};

export const scheduleCommands: Command[] = [add, list, remove];
