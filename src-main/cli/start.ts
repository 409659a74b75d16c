/**
 * `npm start`: the Electron app where Electron's binary is installed; otherwise (or with
 * --browser) the same renderer in browser mode on 127.0.0.1, printing
 *   XDC_UI=http://127.0.0.1:PORT/?token=...
 *   XDC_API=http://127.0.0.1:PORT XDC_TOKEN=...
 * and then the lab's log. SIGINT/SIGTERM save and close the lab before exiting.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootLab } from '../api/boot';
import { findElectronBinary } from '../app/electron-binary';
import { LAUNCH_USAGE, type LaunchOptions, launchArgsOf, parseLaunchArgs } from '../app/launch-options';
import { asXdcError } from '../pool/errors';
import { startBrowserMode } from '../serve/browser-mode';
import { ensureRendererBuilt, newestMtime } from '../serve/renderer-build';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(PROJECT_ROOT, 'out');
const RENDERER_DIR = path.join(OUT, 'renderer');
const CALLER = { principal: 'ui:browser', role: 'admin' } as const;

async function main(): Promise<number> {
  let options: LaunchOptions;
  try {
    options = parseLaunchArgs(process.argv.slice(2));
  } catch (e) {
    console.error(asXdcError(e).toString());
    return 2;
  }
  if (options.help) {
    process.stdout.write(LAUNCH_USAGE);
    return 0;
  }
  const electron = options.browser ? null : findElectronBinary();
  if (electron) return runElectron(electron, options);
  if (!options.browser) {
    console.log("Electron's binary is not installed here; serving the same renderer in browser mode.");
  }
  return runBrowserMode(options);
}

async function runElectron(electron: string, options: LaunchOptions): Promise<number> {
  const outputs = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'].map((f) => path.join(OUT, f));
  const builtAt = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sourcesAt = Math.max(
    newestMtime(path.join(PROJECT_ROOT, 'src-main')),
    newestMtime(path.join(PROJECT_ROOT, 'src-renderer')),
  );
  if (builtAt === 0 || sourcesAt > builtAt) {
    console.log('building the app (electron-vite)…');
    const { build } = await import('electron-vite');
    await build({
      root: PROJECT_ROOT,
      configFile: path.join(PROJECT_ROOT, 'electron.vite.config.ts'),
      logLevel: 'warn',
    });
  }
  // An inherited ELECTRON_RUN_AS_NODE would start a bare Node instead of the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron, [PROJECT_ROOT, ...launchArgsOf(options)], {
    stdio: 'inherit',
    cwd: PROJECT_ROOT,
    env,
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`Electron could not start: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1)));
  });
}

async function runBrowserMode(options: LaunchOptions): Promise<number> {
  // The two address lines come first; anything the lab logs while starting waits behind them.
  let held: string[] | null = [];
  const log = (line: string) => (held ? held.push(line) : console.log(line));

  try {
    await ensureRendererBuilt({ projectRoot: PROJECT_ROOT, rendererDir: RENDERER_DIR }, (line) =>
      console.log(line),
    );
  } catch (e) {
    console.error(`XDC Lab could not build its renderer: ${asXdcError(e).message}`);
    return 1;
  }
  let lab: Awaited<ReturnType<typeof bootLab>>;
  try {
    lab = await bootLab({ labDir: options.labDir, port: options.port, iscsiPort: options.iscsiPort, log });
  } catch (e) {
    for (const line of held) console.log(line);
    console.error(`XDC Lab could not open the lab: ${asXdcError(e).toString()}`);
    return 1;
  }
  let ui: Awaited<ReturnType<typeof startBrowserMode>>;
  try {
    ui = await startBrowserMode({
      service: lab.service,
      rendererDir: RENDERER_DIR,
      port: options.uiPort,
      log,
    });
  } catch (e) {
    for (const line of held) console.log(line);
    console.error(`XDC Lab could not serve its UI: ${asXdcError(e).toString()}`);
    await lab.close().catch(() => {});
    return 1;
  }
  console.log(`XDC_UI=${ui.url}`);
  console.log(`XDC_API=${lab.apiUrl} XDC_TOKEN=${lab.adminToken}`);
  for (const line of held) console.log(line);
  held = null;

  const booted = lab;
  const server = ui;
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        console.log(`${signal} again: exiting without waiting for the lab`);
        resolve(1);
        return;
      }
      stopping = true;
      console.log(`${signal}: saving and closing the lab…`);
      await server
        .close()
        .catch((e: unknown) => console.error(`closing the UI server: ${asXdcError(e).message}`));
      try {
        await booted.service.call('saveLab', {}, CALLER);
      } catch (e) {
        console.error(`saving the lab failed: ${asXdcError(e).toString()}`);
      }
      try {
        await booted.close();
        console.log(`lab closed: ${booted.labDir}`);
        resolve(0);
      } catch (e) {
        console.error(`closing the lab failed: ${asXdcError(e).toString()}`);
        resolve(1);
      }
    };
    process.on('SIGINT', (s) => void stop(s));
    process.on('SIGTERM', (s) => void stop(s));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`XDC Lab failed: ${asXdcError(e).toString()}`);
    process.exit(1);
  },
);
