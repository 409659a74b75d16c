/**
 * The Electron main process: boots the lab (the pool is plain TypeScript and runs right here),
 * opens one hardened window on the bundled renderer, answers the window's bridge, keeps the menu
 * in step with the lab, and on quit saves the lab before the app exits. One instance at a time:
 * a second start focuses the first window.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { type BootedLab, bootLab } from '../api/boot';
import { IPC, type MenuCommand } from '../api/wire';
import { asXdcError } from '../pool/errors';
import { declareAppScheme, serveRenderer } from './app-protocol';
import { registerIpcHandlers, WINDOW_CALLER } from './ipc-handlers';
import { type LaunchOptions, parseLaunchArgs } from './launch-options';
import { buildMenuTemplate, type MenuState } from './menu';
import { RENDERER_ENTRY_URL } from './renderer-origin';
import { hardenSession } from './session-guards';
import { hardenWebContents } from './web-guards';
import { createMainWindow } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
/** A save that hangs must not keep the app from quitting forever. */
const SAVE_ON_QUIT_LIMIT_MS = 15_000;

const log = (line: string): void => console.log(line);
const developer = !app.isPackaged;

let lab: BootedLab | null = null;
let mainWindow: BrowserWindow | null = null;
let stopEvents: (() => void) | null = null;
let quitState: 'running' | 'saving' | 'done' = 'running';
const menuState: MenuState = { recentLabs: [], clockSpeed: null, platform: process.platform, developer };

declareAppScheme(protocol);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (quitState === 'done') return;
    event.preventDefault();
    if (quitState === 'saving') return;
    quitState = 'saving';
    void saveAndCloseLab().finally(() => {
      quitState = 'done';
      app.quit();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  app.whenReady().then(start, (e: unknown) => fail('Electron could not start', e));
}

async function start(): Promise<void> {
  let options: LaunchOptions;
  try {
    // `electron path/to/app --lab X` (development) puts two entries before the flags; a packaged app one.
    options = parseLaunchArgs(process.argv.slice(process.defaultApp ? 2 : 1), { ignoreUnknown: true });
  } catch (e) {
    return fail('XDC Lab: bad command line', e);
  }
  try {
    lab = await bootLab({ labDir: options.labDir, port: options.port, iscsiPort: options.iscsiPort, log });
  } catch (e) {
    return fail('XDC Lab could not open the lab', e);
  }
  const booted = lab;

  hardenSession(session.defaultSession, log);
  serveRenderer(session.defaultSession, RENDERER_DIR);
  const win = createMainWindow({ preloadPath: PRELOAD_PATH, developer });
  mainWindow = win;
  win.on('closed', () => {
    mainWindow = null;
  });

  registerIpcHandlers({
    ipcMain,
    dialog,
    service: booted.service,
    window: () => mainWindow,
    log,
    onCallSucceeded: (op, value) => {
      if (op === 'openLab' || op === 'saveLabAs' || op === 'saveLab') void refreshLabChrome();
      if (op === 'setClockSpeed') {
        const speed = (value as { speed?: unknown }).speed;
        menuState.clockSpeed = typeof speed === 'number' ? speed : null;
        installMenu();
      }
    },
  });
  stopEvents = booted.service.subscribe((event) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC.event, event);
  });

  await refreshLabChrome();
  await win.loadURL(RENDERER_ENTRY_URL);
}

/** The window title and the Recent menu follow the open lab. */
async function refreshLabChrome(): Promise<void> {
  if (!lab) return;
  try {
    const info = await lab.service.call('labInfo', {}, WINDOW_CALLER);
    menuState.recentLabs = info.recent;
    mainWindow?.setTitle(`XDC Lab: ${info.name}${info.dirty ? ' (unsaved)' : ''}`);
    const pool = await lab.service.call('getPool', {}, WINDOW_CALLER);
    menuState.clockSpeed = pool.clock.speed;
  } catch (e) {
    log(`window: could not read the lab for the menu: ${asXdcError(e).toString()}`);
  }
  installMenu();
}

function installMenu(): void {
  const send = (command: MenuCommand) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC.menu, command);
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(menuState, send)));
}

async function saveAndCloseLab(): Promise<void> {
  stopEvents?.();
  stopEvents = null;
  const closing = lab;
  lab = null;
  if (!closing) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log(`quit: the lab did not finish saving within ${SAVE_ON_QUIT_LIMIT_MS / 1000} s; quitting anyway`);
      resolve();
    }, SAVE_ON_QUIT_LIMIT_MS);
  });
  const work = (async () => {
    try {
      await closing.service.call('saveLab', {}, WINDOW_CALLER);
      log(`quit: lab saved in ${closing.labDir}`);
    } catch (e) {
      log(`quit: saving the lab failed: ${asXdcError(e).toString()}`);
    }
    try {
      await closing.close();
    } catch (e) {
      log(`quit: closing the lab failed: ${asXdcError(e).toString()}`);
    }
  })();
  await Promise.race([work, limit]);
  clearTimeout(timer);
}

function fail(title: string, e: unknown): void {
  const sentence = asXdcError(e).toString();
  log(`${title}: ${sentence}`);
  dialog.showErrorBox(title, sentence);
  quitState = 'done';
  app.exit(1);
}
