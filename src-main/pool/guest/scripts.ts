/**
 * Management scripts: named operations the storage manager runs in the guest through the
 * central server (the admin check is the central server's; the guest accepts them only from
 * the central node). rescan-luns, quiesce-app {app}, unquiesce-app {app}, collect-logs [lines].
 */
import { asXdcError, XdcError } from '../errors';
import { lunName } from './agentlets';
import type { DcliHost, Outcome } from './dcli/command';
import { formatBytes } from './dcli/format';
import { GuestLog } from './guest-log';

export const SCRIPT_NAMES = ['rescan-luns', 'quiesce-app', 'unquiesce-app', 'collect-logs'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export function isScriptName(x: string): x is ScriptName {
  return (SCRIPT_NAMES as readonly string[]).includes(x);
}

export async function runScript(
  host: DcliHost,
  log: GuestLog,
  name: string,
  args: Record<string, string>,
): Promise<Outcome> {
  if (!isScriptName(name))
    throw new XdcError('ERR_NOT_FOUND', `no management script '${name}' (have: ${SCRIPT_NAMES.join(', ')})`);
  log.write('scripts', `running ${name} ${JSON.stringify(args)}`);
  try {
    switch (name) {
      case 'rescan-luns': {
        const r = await host.rescan();
        const lines = r.luns.map((l) => `${lunName(l.lun)} ${l.serial} ${formatBytes(l.sizeBytes)}`);
        lines.push(
          `${r.luns.length} LUN(s); ${r.added.length} added, ${r.removed.length} removed, ${r.resized.length} resized`,
        );
        for (const e of r.errors) lines.push(`error: ${e}`);
        return { exitCode: r.errors.length ? 1 : 0, output: lines.join('\n') };
      }
      case 'quiesce-app': {
        const app = needApp(host, args);
        if (app.state === 'frozen') return { exitCode: 0, output: `${app.id} is already quiesced` };
        if (app.state === 'offline')
          return { exitCode: 1, output: `${app.id} is offline; nothing to quiesce` };
        await app.freeze();
        return { exitCode: 0, output: `${app.id} quiesced: its writes are held until unquiesce-app` };
      }
      case 'unquiesce-app': {
        const app = needApp(host, args);
        if (app.state !== 'frozen') return { exitCode: 1, output: `${app.id} is ${app.state}, not quiesced` };
        app.thaw();
        return { exitCode: 0, output: `${app.id} resumed; ${app.queuedRecords} held write(s) going out` };
      }
      case 'collect-logs': {
        const n = args.lines === undefined ? 100 : Number(args.lines);
        if (!Number.isInteger(n) || n < 1 || n > 1000)
          return { exitCode: 2, output: 'collect-logs: lines must be 1-1000' };
        return { exitCode: 0, output: log.recent(n).map(GuestLog.format).join('\n') };
      }
    }
  } catch (e) {
    if (e instanceof ScriptUsage) return { exitCode: 2, output: e.message };
    return { exitCode: 1, output: `${name}: ${asXdcError(e).toString()}` };
  }
}

class ScriptUsage extends Error {}

function needApp(host: DcliHost, args: Record<string, string>) {
  const word = args.app;
  if (!word) throw new ScriptUsage('this script needs an app argument: {"app": "<app id>"}');
  return host.resolveApp(word);
}
