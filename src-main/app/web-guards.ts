/**
 * Hardens every webContents the app creates (the main window and anything that might appear
 * later): no navigation away from our renderer, no new windows, no <webview>, no redirects.
 * Links are never opened with shell.openExternal: the lab has nothing to send the user to.
 */
import type { WebContents } from 'electron';
import { isSamePage } from './renderer-origin';

export function hardenWebContents(contents: WebContents, log: (line: string) => void): void {
  contents.on('will-navigate', (event) => {
    if (isSamePage(contents.getURL(), event.url)) return;
    log(`window: blocked navigation to ${event.url.slice(0, 200)}`);
    event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame && isSamePage(contents.getURL(), event.url)) return;
    log(`window: blocked frame navigation to ${event.url.slice(0, 200)}`);
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    log(`window: blocked redirect to ${event.url.slice(0, 200)}`);
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    log(`window: denied a new window for ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    log('window: refused a <webview>');
    event.preventDefault();
  });
}
