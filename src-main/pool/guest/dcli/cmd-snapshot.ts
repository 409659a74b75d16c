/** `dcli snapshot create | list | delete | restore`: snapshot sets taken from inside the guest. */
import { lunName } from '../agentlets';
import { SnapshotFailed } from '../vss/requestor';
import { type Command, flag, json, ok, option } from './command';
import { poolTime, table } from './format';

const create: Command = {
  words: ['snapshot', 'create'],
  args: [{ name: 'lun|app', kind: 'target' }],
  options: [
    { name: 'name', value: 'N', help: 'name of the snapshot set (default <target>-<pool seconds>s)' },
    { name: 'crash-consistent', help: 'skip the VSS writers (no freeze): crash-consistent' },
  ],
  json: true,
  summary: 'snapshot a LUN or all LUNs of an app as one set (VSS application-consistent on Windows)',
  details: [
    'On Windows the VSS requestor gathers writer metadata, prepares, freezes the writers (at most 10 s),',
    'asks the XDC hardware provider (Dom0 makes every volume snapshot as one set), thaws and records the set.',
    'A Linux guest has no VSS: its snapshots are crash-consistent.',
  ],
  async run(host, inv) {
    const target = host.resolveTarget(inv.args[0]!);
    try {
      const r = await host.snapshots.create(target, {
        name: option(inv, 'name'),
        crashConsistent: flag(inv, 'crash-consistent'),
      });
      host.rememberSnapshotNames([...host.knownSnapshotNames(), r.record.name]);
      if (inv.json) return json({ ...r.record, steps: r.transcript, notes: r.notes });
      return ok(
        [
          ...r.notes,
          ...r.transcript.map((s) => `  ${s}`),
          `Snapshot set ${r.record.name} created (${r.record.consistency}-consistent): ${r.record.members
            .map((m) => `${lunName(m.lun)} -> ${m.snapshotId}`)
            .join(', ')}`,
        ].join('\n'),
      );
    } catch (e) {
      if (e instanceof SnapshotFailed) {
        const out = [...e.transcript.map((s) => `  ${s}`), `dcli: ${e.toString()}`].join('\n');
        return {
          exitCode: 1,
          output: inv.json
            ? JSON.stringify({ error: e.toJSON(), step: e.step, steps: e.transcript }, null, 2)
            : out,
        };
      }
      throw e;
    }
  },
};

const list: Command = {
  words: ['snapshot', 'list'],
  args: [],
  options: [],
  json: true,
  summary: "list this guest's snapshot sets (as recorded on the central server)",
  async run(host, inv) {
    const sets = await host.snapshots.list();
    host.rememberSnapshotNames(sets.map((s) => s.name));
    if (inv.json) return json(sets);
    if (sets.length === 0) return ok('No snapshots.');
    return ok(
      table(
        ['NAME', 'TARGET', 'CONSISTENCY', 'TAKEN', 'LUNS', 'SNAPSHOTS', 'SCHEDULE'],
        sets.map((s) => [
          s.name,
          s.target,
          s.consistency,
          poolTime(s.createdAt),
          s.members.map((m) => lunName(m.lun)).join(','),
          s.members.map((m) => m.snapshotId).join(','),
          s.scheduleId ?? '-',
        ]),
      ),
    );
  },
};

const del: Command = {
  words: ['snapshot', 'delete'],
  args: [{ name: 'name', kind: 'snapshot' }],
  options: [],
  summary: 'delete a snapshot set (every volume snapshot of the set)',
  async run(host, inv) {
    const s = await host.snapshots.delete(inv.args[0]!);
    host.rememberSnapshotNames(host.knownSnapshotNames().filter((n) => n !== s.name));
    return ok(`Snapshot set ${s.name} deleted (${s.members.map((m) => m.snapshotId).join(', ')}).`);
  },
};

const restore: Command = {
  words: ['snapshot', 'restore'],
  args: [{ name: 'name', kind: 'snapshot' }],
  options: [
    {
      name: 'offline-app',
      help: 'take the application on these LUNs offline for the restore (and back online after)',
    },
  ],
  json: true,
  summary: 'give the volume(s) of a snapshot set their content back',
  details: ['Refused while an application on those LUNs is online, unless --offline-app is given.'],
  async run(host, inv) {
    const r = await host.snapshots.restore(inv.args[0]!, { offlineApp: flag(inv, 'offline-app') });
    if (inv.json) return json({ set: r.set, restored: r.result.restored, notes: r.notes });
    return ok(
      [
        ...r.notes,
        ...r.result.restored.map(
          (x) => `  ${x.vdiId} <- ${x.snapshotId} (${x.method}, ${x.bytesCopied} bytes copied)`,
        ),
        `Snapshot set ${r.set.name} restored.`,
      ].join('\n'),
    );
  },
};

export const snapshotCommands: Command[] = [create, list, del, restore];
