/**
 * UI benchmarks in Debian's headless Chromium, on the real renderer in browser mode:
 *
 * - ui.drag.fps.500: requestAnimationFrame rate of the topology canvas while a guest is dragged
 *   across a generated pool of ~500 guests (scaleLabSpec 20x24: 20 hosts, 480 guests, 480 volumes,
 *   16 disks, ~1000 canvas nodes), against the same scripted drag on the demo pool in the same
 *   browser in the same run. Ratio 1 = the big pool drags as smoothly as the small one.
 * - ui.start_to_interactive.demo: wall ms from bootLab's start to window.__xdcReady (first pool
 *   view rendered and fitted) for the demo lab, browser already running, against bootLab alone
 *   (the pool boot, headless) measured in the same run. The ratio is the cost of the window.
 *
 * A missing browser is not a benchmark failure: it prints why the UI figures were skipped (the
 * e2e tests, not the benchmarks, fail CI for it).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { scaleLabSpec } from '../src-main/pool/demo';
import {
  boxOf,
  CHROMIUM_PATH,
  centreOf,
  launchChromium,
  openLabInBrowser,
} from '../test/e2e/support/lab-in-browser';
import { type BenchOptions, median, report } from './lib';

/**
 * Counts requestAnimationFrame callbacks in the page. A string, not a function: tsx's
 * keep-names transform would put a `__name` helper into a serialised function, which the page
 * does not have.
 */
const START_COUNTING = `(() => {
  const counter = { frames: 0, running: true };
  window.__frames = counter;
  const tick = () => {
    if (!counter.running) return;
    counter.frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return performance.now();
})()`;
const STOP_COUNTING = `(() => {
  window.__frames.running = false;
  return { frames: window.__frames.frames, ms: performance.now() };
})()`;

/** Frames per second the page paints while `act` runs. */
async function framesDuring(page: Page, act: () => Promise<void>): Promise<number> {
  const t0 = (await page.evaluate(START_COUNTING)) as number;
  await act();
  const { frames, ms } = (await page.evaluate(STOP_COUNTING)) as { frames: number; ms: number };
  return (frames * 1000) / (ms - t0);
}

/**
 * Drags the first guest of the first host slowly over the second host and back, without
 * releasing over a host (release on empty canvas: no migration starts, the run is repeatable).
 */
async function scriptedDrag(page: Page, guestId: string, hostId: string, steps: number): Promise<void> {
  const from = centreOf(await boxOf(page.getByTestId(`guest-${guestId}`)));
  const to = centreOf(await boxOf(page.getByTestId(`host-${hostId}`)));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 10, from.y + 10, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.move(from.x, from.y, { steps });
  await page.mouse.up();
}

async function dragFps(browser: Browser, spec: ReturnType<typeof scaleLabSpec> | undefined, steps: number) {
  const t = await openLabInBrowser({ browser, spec });
  try {
    const pool = await t.call('getPool', {});
    // Away from the canvas edges (React Flow auto-pans a drag near an edge, which would measure
    // panning, not dragging): the second row's hosts in a big pool, the first two in the demo.
    const offset = pool.hosts.length >= 9 ? 7 : 0;
    const first = pool.hosts[offset];
    const second = pool.hosts[offset + 1];
    const guest = pool.guests.find((g) => g.hostId === first?.id && !g.central);
    if (!first || !second || !guest) throw new Error('the pool needs two hosts and a guest');
    return {
      fps: await framesDuring(t.page, () => scriptedDrag(t.page, guest.id, second.id, steps)),
      nodes: await t.page.locator('.react-flow__node').count(),
    };
  } finally {
    await t.close();
  }
}

export default async function uiBench(opts: BenchOptions): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(
      `# ui.bench skipped: Debian's Chromium is not installed at ${CHROMIUM_PATH} (apt-get install -y chromium); no UI figures this run`,
    );
    return;
  }
  const browser = await launchChromium();
  try {
    const steps = opts.quick ? 40 : 120;
    const demo = await dragFps(browser, undefined, steps);
    const big = await dragFps(browser, scaleLabSpec(20, 24), steps);
    console.log(`# ui.drag: demo pool ${demo.nodes} canvas nodes, scale pool ${big.nodes} canvas nodes`);
    report({
      name: 'ui.drag.fps.500',
      value: big.fps,
      unit: 'fps',
      baseline: demo.fps,
      baselineUnit: 'fps',
      goal: 'ratio >= 0.5 (the 500-guest pool drags at least half as smoothly as the demo pool)',
    });

    const runs = opts.quick ? 2 : 5;
    const ready: number[] = [];
    const boot: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await openLabInBrowser({ browser });
      ready.push(t.timings.startToReadyMs);
      boot.push(t.timings.bootMs);
      await t.close();
    }
    report({
      name: 'ui.start_to_interactive.demo',
      value: median(ready),
      unit: 'ms',
      baseline: median(boot),
      baselineUnit: 'ms',
      goal: 'the window adds under a second to the pool boot',
    });
  } finally {
    await browser.close();
  }
}
