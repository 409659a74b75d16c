import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import { IPC } from '../../src-main/api/wire';
import { registerIpcHandlers } from '../../src-main/app/ipc-handlers';
import {
  isRendererUrl,
  isSamePage,
  isTrustedSender,
  RENDERER_ENTRY_URL,
} from '../../src-main/app/renderer-origin';
import { isBlockedRequestUrl } from '../../src-main/app/session-guards';
import { tinyService } from './fixtures';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

function harness() {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, fn: Handler) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  };
  const dialogs: unknown[] = [];
  const dialog = {
    showOpenDialog: async (_win: unknown, options: unknown) => {
      dialogs.push(options);
      return { canceled: false, filePaths: ['/home/me/labs/new-lab'] };
    },
  };
  const webContents = { id: 1 };
  const win = { isDestroyed: () => false, webContents };
  const service = tinyService('/labs/demo');
  const succeeded: string[] = [];
  const log: string[] = [];
  const remove = registerIpcHandlers({
    ipcMain: ipcMain as unknown as IpcMain,
    dialog: dialog as unknown as Dialog,
    service,
    window: () => win as unknown as BrowserWindow,
    log: (line) => log.push(line),
    onCallSucceeded: (op) => succeeded.push(op),
  });
  const fromWindow = (url = RENDERER_ENTRY_URL, sender: unknown = webContents, parent: unknown = null) =>
    ({ sender, senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;
  const invoke = (channel: string, event: IpcMainInvokeEvent, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  };
  return { handlers, remove, invoke, fromWindow, service, dialogs, succeeded, log, webContents };
}

describe("the window's IPC: only our renderer may drive the pool", () => {
  it('runs a call from our window as ui:window and returns a CallOutcome', async () => {
    const h = harness();
    expect(await h.invoke(IPC.call, h.fromWindow(), 'setClockSpeed', { speed: 100 })).toEqual({
      ok: true,
      value: { now: 0, speed: 100 },
    });
    expect(h.service.calls.at(-1)?.caller).toEqual({ principal: 'ui:window', role: 'admin' });
    expect(h.succeeded).toEqual(['setClockSpeed']);
    expect(await h.invoke(IPC.call, h.fromWindow(), 'dcli', { guestId: 'g1', line: 'x' })).toEqual({
      ok: false,
      error: { code: 'ERR_HOST_DOWN', message: 'host h2 is down' },
    });
    expect(await h.invoke(IPC.call, h.fromWindow(), 'hasOwnProperty', {})).toMatchObject({
      ok: false,
      error: { code: 'ERR_BAD_REQUEST' },
    });
  });

  it('refuses messages from another webContents, an iframe, or a page the window was navigated to', async () => {
    const h = harness();
    const strangers = [
      h.fromWindow(RENDERER_ENTRY_URL, { id: 2 }),
      h.fromWindow(RENDERER_ENTRY_URL, h.webContents, { url: RENDERER_ENTRY_URL }),
      h.fromWindow('https://evil.example/index.html'),
      h.fromWindow('file:///etc/passwd'),
      h.fromWindow('xdc://evil/index.html'),
      { sender: h.webContents, senderFrame: null } as unknown as IpcMainInvokeEvent,
    ];
    for (const event of strangers) {
      await expect(h.invoke(IPC.call, event, 'labInfo', {})).rejects.toThrow('ERR_FORBIDDEN');
      await expect(h.invoke(IPC.pickFolder, event, 'open')).rejects.toThrow('ERR_FORBIDDEN');
    }
    expect(h.service.calls).toHaveLength(0);
    expect(h.dialogs).toHaveLength(0);
    expect(h.log.filter((l) => l.includes('refused'))).toHaveLength(strangers.length * 2);
  });

  it('opens the native folder dialog for a known purpose only', async () => {
    const h = harness();
    expect(await h.invoke(IPC.pickFolder, h.fromWindow(), 'new')).toBe('/home/me/labs/new-lab');
    expect(h.dialogs[0]).toMatchObject({ properties: ['openDirectory', 'createDirectory'] });
    await expect(h.invoke(IPC.pickFolder, h.fromWindow(), '../../etc')).rejects.toThrow('ERR_BAD_REQUEST');
    h.remove();
    expect(h.handlers.size).toBe(0);
  });
});

describe('the renderer origin and navigation rules', () => {
  it('recognises only xdc://renderer/ pages', () => {
    expect(isRendererUrl('xdc://renderer/index.html')).toBe(true);
    expect(isRendererUrl('xdc://renderer/assets/app.js')).toBe(true);
    for (const url of [
      'xdc://other/index.html',
      'file:///index.html',
      'http://renderer/index.html',
      'xdc://user:pw@renderer/',
      'nonsense',
    ]) {
      expect(isRendererUrl(url), url).toBe(false);
    }
  });

  it('lets through only same-page navigation', () => {
    expect(isSamePage(RENDERER_ENTRY_URL, `${RENDERER_ENTRY_URL}#/terminal/g1`)).toBe(true);
    expect(isSamePage(RENDERER_ENTRY_URL, 'xdc://renderer/other.html')).toBe(false);
    expect(isSamePage(RENDERER_ENTRY_URL, 'https://example.com/')).toBe(false);
  });

  it('checks the sender object itself, not just its URL', () => {
    const ours = { id: 1 };
    const frame = { url: RENDERER_ENTRY_URL, parent: null };
    expect(isTrustedSender({ sender: ours, senderFrame: frame }, ours)).toBe(true);
    expect(isTrustedSender({ sender: { id: 1 }, senderFrame: frame }, ours)).toBe(false);
    expect(isTrustedSender({ sender: ours, senderFrame: frame }, null)).toBe(false);
  });

  it('blocks every network scheme the bundled renderer never needs', () => {
    for (const url of [
      'http://example.com/x.js',
      'https://cdn.example/x',
      'ws://127.0.0.1:1/ws',
      'file:///etc/passwd',
      'ftp://x/',
    ]) {
      expect(isBlockedRequestUrl(url), url).toBe(true);
    }
    expect(isBlockedRequestUrl('xdc://renderer/assets/app.js')).toBe(false);
    expect(isBlockedRequestUrl('devtools://devtools/bundled/inspector.html')).toBe(false);
    expect(isBlockedRequestUrl('data:image/png;base64,AAAA')).toBe(false);
  });
});
