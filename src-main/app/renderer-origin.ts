/**
 * Where the window's renderer lives: a privileged custom scheme instead of file:// (Electron
 * security checklist: "avoid file://, prefer custom protocols"), so the page has a real origin,
 * 'self' in the CSP means only our bundle, and no file on disk is reachable from the page.
 * Pure: no Electron import, so the sender checks can be tested in plain Node.
 */
export const APP_SCHEME = 'xdc';
export const APP_HOST = 'renderer';
export const RENDERER_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True when `url` is a page of our renderer (any path under xdc://renderer/). */
export function isRendererUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** Same document: the URL differs at most in its fragment (the only navigation we let through). */
export function isSamePage(currentUrl: string, targetUrl: string): boolean {
  const strip = (u: string) => u.split('#', 1)[0];
  return isRendererUrl(targetUrl) && strip(currentUrl) === strip(targetUrl);
}

/** The fields of an IPC event a sender check reads (Electron's IpcMainInvokeEvent has them). */
export interface IpcSenderLike {
  sender: unknown;
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * An IPC message is handled only when it comes from our window's webContents, from its top frame,
 * and that frame shows our renderer (not a page it was navigated to, not an iframe).
 */
export function isTrustedSender(event: IpcSenderLike, ourWebContents: unknown): boolean {
  if (ourWebContents === null || ourWebContents === undefined || event.sender !== ourWebContents)
    return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isRendererUrl(frame.url);
}
