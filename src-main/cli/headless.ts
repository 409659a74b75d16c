/**
 * `npm run headless -- [--lab DIR] [--port N]`: boots the pool without a window. The first line
 * printed is exactly `XDC_API=<base url> XDC_TOKEN=<admin token>`; then the event log follows.
 * SIGINT/SIGTERM save the lab and exit cleanly.
 */
import { bootLab } from '../api/boot';
import { asXdcError } from '../pool/errors';

const USAGE = `usage: npm run headless -- [--lab DIR] [--port N] [--iscsi [PORT]] [--iscsi-chap USER:SECRET]
  --lab DIR     open (or create) the lab in DIR (default: the demo lab in your user data folder)
  --port N      the HTTP API's port on 127.0.0.1 (default: any free port)
  --iscsi [P]   also export the guests' LUNs over iSCSI on 127.0.0.1:P (default 3260; 0 = any free port)
  --iscsi-chap USER:SECRET  require CHAP-MD5 of iSCSI initiators (secret of 12+ characters)
`;

interface HeadlessArgs {
  labDir?: string;
  port?: number;
  iscsiPort?: number;
  iscsiChap?: { user: string; secret: string };
  help?: boolean;
}

function parse(argv: string[]): HeadlessArgs {
  const out: HeadlessArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--lab') out.labDir = value();
    else if (a === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('--port needs a port number (0-65535)');
      out.port = n;
    } else if (a === '--iscsi') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        const n = Number(value());
        if (n > 65535) throw new Error('--iscsi needs a port number (0-65535)');
        out.iscsiPort = n;
      } else out.iscsiPort = 3260;
    } else if (a === '--iscsi-chap') {
      const v = value();
      const at = v.indexOf(':');
      if (at <= 0 || at === v.length - 1) throw new Error('--iscsi-chap needs USER:SECRET');
      out.iscsiChap = { user: v.slice(0, at), secret: v.slice(at + 1) };
    } else if (a === '--help' || a === '-h') out.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { resolve } = await import('node:path');
  let lab: Awaited<ReturnType<typeof bootLab>>;
  // The first line printed must be the API address: boot's own log lines wait until after it.
  const bootLog: string[] = [];
  try {
    lab = await bootLab({
      labDir: args.labDir ? resolve(args.labDir) : undefined,
      port: args.port,
      iscsiPort: args.iscsiPort,
      iscsiChap: args.iscsiChap,
      log: (l) => bootLog.push(l),
    });
  } catch (e) {
    process.stderr.write(`xdc-lab: ${asXdcError(e).toString()}\n`);
    process.exit(1);
  }
  process.stdout.write(`XDC_API=${lab.apiUrl} XDC_TOKEN=${lab.adminToken}\n`);
  if (lab.iscsiAddress) process.stdout.write(`XDC_ISCSI=${lab.iscsiAddress}\n`);
  for (const l of bootLog) console.log(l);
  const unsubscribe = lab.service.subscribe((e) =>
    console.log(`[${(e.time / 1000).toFixed(3)}s] ${e.kind} ${e.subject ?? ''} ${e.message}`),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    unsubscribe();
    console.log(`${signal}: saving the lab and stopping`);
    try {
      await lab.close();
      process.exit(0);
    } catch (e) {
      process.stderr.write(`xdc-lab: ${asXdcError(e).toString()}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
