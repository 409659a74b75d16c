/**
 * The command line of `npm start` and of the Electron app (which receives the same flags from
 * start.ts): one parser, so both runs of the lab understand the same words.
 */
import { XdcError } from '../pool/errors';

export interface LaunchOptions {
  /** Lab folder to open; absent: the demo lab in the per-user data folder. */
  labDir?: string;
  /** API/xprtld port of the central server. */
  port?: number;
  /** Browser-mode UI port (0 or absent: any free port). */
  uiPort?: number;
  /** iSCSI target port; absent: no iSCSI target. */
  iscsiPort?: number;
  /** Serve browser mode even where Electron is installed. */
  browser: boolean;
  help: boolean;
}

/** The iSCSI well-known port, used by a bare `--iscsi`. */
export const DEFAULT_ISCSI_PORT = 3260;

export const LAUNCH_USAGE = `Usage: npm start -- [options]

Starts XDC Lab: the Electron window where Electron is installed, otherwise the same UI in
browser mode on 127.0.0.1 (the address is printed as XDC_UI=...).

Options:
  --lab DIR        open (or create) the lab in DIR (default: the demo lab in your data folder)
  --port N         API/xprtld port of the central server
  --ui-port N      browser-mode UI port (default: any free port)
  --iscsi [PORT]   also serve the LUNs over iSCSI (default port ${DEFAULT_ISCSI_PORT})
  --browser        use browser mode even if Electron is installed
  --help           show this help
`;

export interface ParseOptions {
  /** Electron and Chromium add switches of their own to the app's argv; skip those there. */
  ignoreUnknown?: boolean;
}

export function parseLaunchArgs(argv: readonly string[], parse: ParseOptions = {}): LaunchOptions {
  const options: LaunchOptions = { browser: false, help: false };
  const args = argv.flatMap((arg) => {
    const eq = arg.indexOf('=');
    return arg.startsWith('--') && eq > 2 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg];
  });
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    const next = args[i + 1];
    const value = (): string => {
      if (next === undefined || next.startsWith('--')) throw usageError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--lab': {
        const dir = value();
        if (dir.trim() === '') throw usageError('--lab needs a folder');
        options.labDir = dir;
        break;
      }
      case '--port':
        options.port = portNumber(flag, value(), false);
        break;
      case '--ui-port':
        options.uiPort = portNumber(flag, value(), true);
        break;
      case '--iscsi':
        if (next !== undefined && /^\d+$/.test(next)) {
          i++;
          options.iscsiPort = portNumber(flag, next, false);
        } else options.iscsiPort = DEFAULT_ISCSI_PORT;
        break;
      case '--browser':
        options.browser = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        if (!parse.ignoreUnknown) throw usageError(`unknown option ${JSON.stringify(flag.slice(0, 64))}`);
    }
  }
  return options;
}

/** The flags that reproduce `options` (start.ts passes them on to Electron). */
export function launchArgsOf(options: LaunchOptions): string[] {
  const args: string[] = [];
  if (options.labDir !== undefined) args.push('--lab', options.labDir);
  if (options.port !== undefined) args.push('--port', String(options.port));
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  if (options.iscsiPort !== undefined) args.push('--iscsi', String(options.iscsiPort));
  return args;
}

function portNumber(flag: string, text: string, zeroAllowed: boolean): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n > 65535 || (n === 0 && !zeroAllowed)) {
    throw usageError(
      `${flag} needs a port number 1-65535${zeroAllowed ? ' (or 0 for any free port)' : ''}, not ${JSON.stringify(text.slice(0, 32))}`,
    );
  }
  return n;
}

function usageError(sentence: string): XdcError {
  return new XdcError('ERR_BAD_REQUEST', `${sentence} (npm start -- --help lists the options)`);
}
