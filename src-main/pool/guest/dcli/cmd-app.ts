/** `dcli app list | show`: the Exchange storage groups and SQL Server databases of this guest. */
import { lunName } from '../agentlets';
import { type Command, json, ok } from './command';
import { keyValues, table } from './format';

const list: Command = {
  words: ['app', 'list'],
  args: [],
  options: [],
  json: true,
  summary: 'list applications (Exchange storage groups, SQL Server databases) and the LUNs they sit on',
  async run(host, inv) {
    const apps = host.apps();
    if (inv.json) return json(apps.map((a) => a.record()));
    if (apps.length === 0) return ok('No applications in this guest.');
    return ok(
      table(
        ['APP', 'KIND', 'STATE', 'LUNS', 'NAME'],
        apps.map((a) => [a.id, a.kindLabel, a.state, a.luns.map(lunName).join(','), a.name]),
      ),
    );
  },
};

const show: Command = {
  words: ['app', 'show'],
  args: [{ name: 'app', kind: 'app' }],
  options: [],
  json: true,
  summary: 'one application: kind, state, LUNs, VSS writer and its log activity',
  async run(host, inv) {
    const a = host.resolveApp(inv.args[0]!);
    const writer =
      host.os === 'windows'
        ? a.kind === 'exchange'
          ? 'Microsoft Exchange Writer'
          : 'SqlServerWriter'
        : 'none (no VSS on Linux)';
    const data = {
      ...a.record(),
      kindLabel: a.kindLabel,
      writer,
      recordsWritten: a.recordsWritten,
      queuedRecords: a.queuedRecords,
      writeErrors: a.writeErrors,
      lastError: a.lastError,
    };
    if (inv.json) return json(data);
    return ok(
      keyValues([
        ['Application', a.id],
        ['Name', a.name],
        ['Kind', a.kindLabel],
        ['State', a.state],
        ['LUNs', a.luns.map(lunName).join(', ') || '-'],
        ['VSS writer', writer],
        ['Log records written', a.recordsWritten],
        ['Writes waiting (frozen)', a.queuedRecords],
        ['Write errors', a.lastError ? `${a.writeErrors} (last: ${a.lastError})` : a.writeErrors],
      ]),
    );
  },
};

export const appCommands: Command[] = [list, show];
