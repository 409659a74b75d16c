/**
 * The Electron window's IPC handlers (registerIpcHandlers) called directly over a real pool
 * (bootLab): random op names and inputs from our window always come back as a CallOutcome,
 * never a thrown error; the same calls from a stranger (another webContents, an iframe, a page
 * the window was navigated to, a destroyed frame, a window that is gone) are refused with
 * ERR_FORBIDDEN before the service sees them. XDC_FUZZ_RUNS raises the budget (default 300).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent } from 'electron';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootedLab, bootLab } from '../../src-main/api/boot';
import type { ApiService } from '../../src-main/api/service-types';
import { IPC } from '../../src-main/api/wire';
import { registerIpcHandlers } from '../../src-main/app/ipc-handlers';
import { RENDERER_ENTRY_URL } from '../../src-main/app/renderer-origin';
import { TEST_AUTH } from '../support/pool-fixture';
import { anyCall, expectCallOutcome, fuzzRuns } from './api-call-arbitraries';

const RUNS = fuzzRuns(300);
const ADMIN = { principal: 'user:admin', role: 'admin' } as const;
const FAST = 10_000;

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

let root: string;
let lab: BootedLab;
let savedHome: string | undefined;
const handlers = new Map<string, Handler>();
const ourContents = { id: 1 };
let windowGone = false;
const win = { isDestroyed: () => windowGone, webContents: ourContents };
const serviceCalls: string[] = [];
const dialogs: string[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xdc-fuzz-ipc-'));
  savedHome = process.env.XDC_LAB_HOME;
  process.env.XDC_LAB_HOME = join(root, 'home');
  lab = await bootLab({ labDir: join(root, 'lab'), auth: TEST_AUTH });
  await lab.service.call('setClockSpeed', { speed: FAST }, ADMIN);
  // The real service, counted: a refused sender must never reach it.
  const counted: ApiService = {
    call: (op, input, caller) => {
      serviceCalls.push(op);
      return lab.service.call(op, input, caller);
    },
    subscribe: (l) => lab.service.subscribe(l),
    verifyToken: (t) => lab.service.verifyToken(t),
  };
  registerIpcHandlers({
    ipcMain: {
      handle: (channel: string, fn: Handler) => handlers.set(channel, fn),
      removeHandler: (channel: string) => handlers.delete(channel),
    } as unknown as IpcMain,
    dialog: {
      showOpenDialog: async (_w: unknown, o: { title: string }) => {
        dialogs.push(o.title);
        return { canceled: true, filePaths: [] };
      },
    } as unknown as Dialog,
    service: counted,
    window: () => win as unknown as BrowserWindow,
    log: (line) => logLines.push(line),
  });
}, 60_000);
afterAll(async () => {
  await lab?.close();
  if (savedHome === undefined) delete process.env.XDC_LAB_HOME;
  else process.env.XDC_LAB_HOME = savedHome;
  rmSync(root, { recursive: true, force: true });
});

type Sender = { trusted: boolean; event: IpcMainInvokeEvent; gone?: boolean; what: string };
const event = (sender: unknown, senderFrame: unknown) =>
  ({ sender, senderFrame }) as unknown as IpcMainInvokeEvent;

const sender: fc.Arbitrary<Sender> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(RENDERER_ENTRY_URL, `${RENDERER_ENTRY_URL}#/terminal/g1`, 'xdc://renderer/other.html')
      .map((url) => ({
        trusted: true,
        event: event(ourContents, { url, parent: null }),
        what: `our window at ${url}`,
      })),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constant<Sender>({
        trusted: false,
        event: event({ id: 2 }, { url: RENDERER_ENTRY_URL, parent: null }),
        what: 'another webContents',
      }),
      fc.constant<Sender>({
        trusted: false,
        event: event({ id: 1 }, { url: RENDERER_ENTRY_URL, parent: null }),
        what: 'a look-alike webContents',
      }),
      fc.constant<Sender>({
        trusted: false,
        event: event(ourContents, { url: RENDERER_ENTRY_URL, parent: {} }),
        what: 'an iframe',
      }),
      fc.constant<Sender>({ trusted: false, event: event(ourContents, null), what: 'a destroyed frame' }),
      fc.constant<Sender>({ trusted: false, event: event(undefined, undefined), what: 'no sender at all' }),
      fc.constant<Sender>({
        trusted: false,
        event: event(ourContents, { url: RENDERER_ENTRY_URL, parent: null }),
        gone: true,
        what: 'a closed window',
      }),
      fc
        .oneof(
          fc.constantFrom(
            'https://evil.example/index.html',
            'file:///etc/passwd',
            'xdc://evil/index.html',
            'xdc://user:pw@renderer/index.html',
            'XDC://RENDERER/index.html\u0000',
            'about:blank',
            '',
          ),
          fc.webUrl(),
          fc.string({ maxLength: 40 }),
        )
        .filter((url) => !url.toLowerCase().startsWith('xdc://renderer/'))
        .map((url) => ({
          trusted: false,
          event: event(ourContents, { url, parent: null }),
          what: `a frame at ${url}`,
        })),
    ),
  },
);

const purpose = fc.oneof(
  fc.constantFrom('new', 'open', 'save-as'),
  fc.constantFrom('', 'Open', '../../etc', '__proto__', 'toString', null, 1, {}),
  fc.string({ maxLength: 12 }),
);

const seen = { ok: 0, errors: 0, refusedSenders: 0 };
const codes = new Map<string, number>();

describe("the window's IPC handlers under random calls", () => {
  it(`return a CallOutcome for ${RUNS} random calls from our window and refuse every stranger`, async () => {
    const call = handlers.get(IPC.call)!;
    await fc.assert(
      fc.asyncProperty(sender, anyCall, async (s, { op, input }) => {
        await lab.service.call('setClockSpeed', { speed: FAST }, ADMIN);
        windowGone = s.gone === true;
        const before = serviceCalls.length;
        const context = `${s.what}: ${JSON.stringify(op)?.slice(0, 80)} ${JSON.stringify(input)?.slice(0, 200)}`;
        try {
          if (s.trusted) {
            // Never a throw: the handler's promise resolves to a CallOutcome.
            const outcome = await call(s.event, op, input);
            if (expectCallOutcome(outcome, context) === 'ok') seen.ok++;
            else {
              seen.errors++;
              const { code, message } = (outcome as { error: { code: string; message: string } }).error;
              codes.set(code, (codes.get(code) ?? 0) + 1);
              expect(code, `${context} -> ${message}`).not.toBe('ERR_INTERNAL');
            }
          } else {
            await expect(call(s.event, op, input), context).rejects.toThrow(/^ERR_FORBIDDEN: /);
            expect(serviceCalls.length, `${context} reached the service`).toBe(before);
            seen.refusedSenders++;
          }
        } finally {
          windowGone = false;
        }
      }),
      { numRuns: RUNS, timeout: 60_000 },
    );
    // The pool still answers the window.
    const info = await call(event(ourContents, { url: RENDERER_ENTRY_URL, parent: null }), 'labInfo', {});
    expect(info).toMatchObject({ ok: true, value: { dir: lab.labDir } });
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.refusedSenders).toBeGreaterThan(0);
    console.log(
      `ipc fuzz: ${RUNS} cases, ${seen.ok} ok, ${seen.errors} CallOutcome errors, ${seen.refusedSenders} strangers refused; codes ${JSON.stringify(Object.fromEntries(codes))}`,
    );
  }, 300_000);

  it('opens the folder dialog only for our window and a known purpose', async () => {
    const pick = handlers.get(IPC.pickFolder)!;
    await fc.assert(
      fc.asyncProperty(sender, purpose, async (s, p) => {
        windowGone = s.gone === true;
        const before = dialogs.length;
        try {
          const known = typeof p === 'string' && ['new', 'open', 'save-as'].includes(p);
          if (s.trusted && known) {
            expect(await pick(s.event, p)).toBeNull(); // the fake dialog was cancelled
            expect(dialogs.length).toBe(before + 1);
          } else {
            await expect(pick(s.event, p)).rejects.toThrow(
              s.trusted ? /^ERR_BAD_REQUEST: / : /^ERR_FORBIDDEN: /,
            );
            expect(dialogs.length, `${s.what} opened a dialog for ${String(p)}`).toBe(before);
          }
        } finally {
          windowGone = false;
        }
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
