/**
 * The end-to-end harness: a real lab (bootLab on a temp folder, with a temp XDC_LAB_HOME) served
 * in browser mode and opened in Debian's headless Chromium through playwright-core. One browser
 * per test file; every wait is for a condition, never a fixed sleep.
 *
 * A missing /usr/bin/chromium is a FAILURE with a sentence saying how to install it (CI installs
 * it), never a skip: a suite that silently skips would hide a broken UI.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { type BootedLab, bootLab } from '../../../src-main/api/boot';
import type { OpName, OpOutput } from '../../../src-main/api/contract';
import type { Caller } from '../../../src-main/api/service-types';
import type { LabSpec } from '../../../src-main/pool/lab';
import { type BrowserModeServer, startBrowserMode } from '../../../src-main/serve/browser-mode';
import { ensureRendererBuilt } from '../../../src-main/serve/renderer-build';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RENDERER_DIR = path.join(PROJECT_ROOT, 'out/renderer');
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-output/e2e');

const TEST_CALLER: Caller = { principal: 'user:e2e', role: 'admin' };

/** Throws a clear error when Debian's chromium is not installed. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `the end-to-end tests need Debian's Chromium at ${CHROMIUM_PATH}, which is missing: ` +
        'install it with `apt-get update && apt-get install -y chromium`',
    );
  }
  return CHROMIUM_PATH;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS });
}

/** Builds out/renderer when a fresh clone has none (or it is older than its sources). */
export async function ensureRenderer(): Promise<void> {
  await ensureRendererBuilt({ projectRoot: PROJECT_ROOT, rendererDir: RENDERER_DIR }, () => undefined);
}

export interface LabInBrowser {
  lab: BootedLab;
  ui: BrowserModeServer;
  browser: Browser;
  page: Page;
  /** Wall ms: bootLab alone, and from bootLab's start to window.__xdcReady in the page. */
  timings: { bootMs: number; startToReadyMs: number };
  /** The browser console's errors and uncaught page errors, for assertions and diagnosis. */
  pageErrors: string[];
  /** Calls the one API as the test (not through the page): the ground truth to check the UI against. */
  call<K extends OpName>(op: K, input: object): Promise<OpOutput<K>>;
  /** Saves test-output/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface LabInBrowserOptions {
  spec?: LabSpec;
  viewport?: { width: number; height: number };
  /** Reuse a browser (benchmarks open several labs in one browser). */
  browser?: Browser;
}

/** Boots a lab in a temp folder, serves it, opens it in Chromium and waits for the first render. */
export async function openLabInBrowser(options: LabInBrowserOptions = {}): Promise<LabInBrowser> {
  requireChromium();
  await ensureRenderer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'xdc-e2e-'));
  const previousHome = process.env.XDC_LAB_HOME;
  process.env.XDC_LAB_HOME = path.join(tmp, 'home');
  let lab: BootedLab | undefined;
  let ui: BrowserModeServer | undefined;
  let browser: Browser | undefined;
  const ownsBrowser = options.browser === undefined;
  const cleanup = async () => {
    await browser?.close().catch(() => undefined);
    await ui?.close().catch(() => undefined);
    await lab?.close().catch(() => undefined);
    if (previousHome === undefined) delete process.env.XDC_LAB_HOME;
    else process.env.XDC_LAB_HOME = previousHome;
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const started = performance.now();
    lab = await bootLab({ labDir: path.join(tmp, 'lab'), port: 0, spec: options.spec });
    const bootMs = performance.now() - started;
    ui = await startBrowserMode({ service: lab.service, rendererDir: RENDERER_DIR, port: 0 });
    browser = options.browser ?? (await launchChromium());
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(ui.url);
    await waitForReady(page);
    const startToReadyMs = performance.now() - started;
    const booted = lab;
    const served = ui;
    const opened = browser;
    return {
      lab: booted,
      ui: served,
      browser: opened,
      page,
      pageErrors,
      timings: { bootMs, startToReadyMs },
      call: (op, input) => booted.service.call(op, input, TEST_CALLER),
      async screenshot(name) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async close() {
        if (!ownsBrowser) {
          await context.close().catch(() => undefined);
          browser = undefined;
        }
        await cleanup();
      },
    };
  } catch (e) {
    if (!ownsBrowser) browser = undefined;
    await cleanup();
    throw e;
  }
}

/** The renderer sets window.__xdcReady once the first pool view is on the canvas and fitted. */
export async function waitForReady(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(() => (window as { __xdcReady?: boolean }).__xdcReady === true, undefined, {
    timeout: timeoutMs,
  });
}

/** Polls `read` until `accept` holds (a condition, not a sleep); fails with the last value seen. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) {
      const seen = JSON.stringify(last) ?? String(last);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen.length > 400 ? `${seen.slice(0, 400)}…` : seen}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function centreOf(box: { x: number; y: number; width: number; height: number }) {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

export async function boxOf(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator.toString()} has no bounding box (not visible)`);
  return box;
}

export function inside(
  inner: { x: number; y: number; width: number; height: number },
  outer: { x: number; y: number; width: number; height: number },
): boolean {
  return (
    inner.x >= outer.x - 1 &&
    inner.y >= outer.y - 1 &&
    inner.x + inner.width <= outer.x + outer.width + 1 &&
    inner.y + inner.height <= outer.y + outer.height + 1
  );
}

/**
 * Drags a guest node by the mouse, as a person would: press on the guest, move in steps (React
 * Flow's drag starts after a threshold and hit-tests each move), hover over the target, release.
 * `whileHovering` runs with the pointer over the target before the release.
 */
export async function dragGuestTo(
  page: Page,
  guestId: string,
  hostId: string,
  whileHovering?: () => Promise<void>,
): Promise<void> {
  const from = centreOf(await boxOf(page.getByTestId(`guest-${guestId}`)));
  const hostBox = await boxOf(page.getByTestId(`host-${hostId}`));
  // Aim at the host's header-free middle: the lower part of the box, away from its guests' centres.
  const to = { x: hostBox.x + hostBox.width / 2, y: hostBox.y + hostBox.height - 8 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 12, from.y + 12, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  if (whileHovering) await whileHovering();
  await page.mouse.up();
}
