/**
 * The one application window, created with every webPreferences switch of Electron's security
 * checklist set explicitly (even where it is already the default), so a reader and the
 * electronegativity gate can see each one.
 */
import { BrowserWindow } from 'electron';

export interface WindowOptions {
  preloadPath: string;
  developer: boolean;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'XDC Lab',
    backgroundColor: '#0f1216',
    webPreferences: {
      // electronegativity-allow: PRELOAD_JS_CHECK the sandboxed preload exposes only the typed bridge of bridge.ts (tested: test/serve/preload-bridge.test.ts)
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: options.developer,
    },
  });
  win.once('ready-to-show', () => win.show());
  return win;
}
