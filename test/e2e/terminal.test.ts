/**
 * A guest's DCLI terminal in the real window: double-click the guest, see its prompt, type
 * `dcli lun list`, and read its LUNs (with the serials the guest learned over SCSI) on screen.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabInBrowser, openLabInBrowser, until } from './support/lab-in-browser';

let t: LabInBrowser;

beforeAll(async () => {
  t = await openLabInBrowser();
});

afterAll(async () => {
  await t?.close();
});

/** xterm's DOM renderer: one div per screen row; innerText keeps the rows apart (textContent would not). */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText, row breaks matter here
const screenText = (pane: Locator) => pane.locator('.xterm-rows').innerText();

describe('a guest terminal', () => {
  it('opens on double-click with the guest prompt and lists its LUNs for `dcli lun list`', async () => {
    const { page } = t;
    const pool = await t.call('getPool', {});
    const guest = pool.guests.find((g) => g.os === 'windows' && g.luns.length >= 2);
    if (!guest) throw new Error('the demo pool has no Windows guest with LUNs');
    await page.getByTestId(`guest-${guest.id}`).dblclick();
    const pane = page.getByTestId(`terminal-${guest.id}`);
    await until(
      'the terminal pane',
      () => pane.getAttribute('data-active').catch(() => null),
      (a) => a === 'true',
    );
    const prompt = guest.prompt.trim();
    await until(
      'the guest prompt',
      () => screenText(pane),
      (s) => s.includes(prompt),
    );

    await pane.click();
    await page.keyboard.type('dcli lun list');
    await page.keyboard.press('Enter');
    const text = await until(
      'the LUN table',
      () => screenText(pane),
      (s) => guest.luns.every((l) => s.includes(l.serial)),
    );
    for (const l of guest.luns) expect(text).toMatch(new RegExp(`lun${l.lun}\\s+\\S+\\s+SYMANTEC`));
    // The prompt comes back after the output, ready for the next line.
    expect(text.trimEnd().endsWith(prompt)).toBe(true);
    await t.screenshot('07-terminal-lun-list');
  });

  it('completes a DCLI command with Tab and keeps two terminals with their own scrollback', async () => {
    const { page } = t;
    const pool = await t.call('getPool', {});
    const linux = pool.guests.find((g) => g.os === 'linux' && !g.central && g.luns.length > 0);
    const windows = pool.guests.find((g) => g.os === 'windows' && g.luns.length >= 2);
    if (!linux || !windows) throw new Error('the demo pool lacks a Linux or Windows guest');
    await page.getByTestId(`guest-${linux.id}`).dblclick();
    const pane = page.getByTestId(`terminal-${linux.id}`);
    await until(
      'the second terminal',
      () => pane.getAttribute('data-active').catch(() => null),
      (a) => a === 'true',
    );
    await until(
      'the Linux prompt',
      () => screenText(pane),
      (s) => s.includes(linux.prompt.trim()),
    );
    await pane.click();
    await page.keyboard.type('dcli lun li');
    await page.keyboard.press('Tab');
    await until(
      'the completed word',
      () => screenText(pane),
      (s) => s.includes('dcli lun list'),
    );
    await page.keyboard.press('Enter');
    await until(
      'the Linux LUN table',
      () => screenText(pane),
      (s) => linux.luns.every((l) => s.includes(l.serial)),
    );
    // Back to the first tab: its output is still there (the xterm instance was kept alive).
    await page.getByTestId(`terminal-tab-${windows.id}`).click();
    const first = page.getByTestId(`terminal-${windows.id}`);
    await until(
      'the first tab shown',
      () => first.getAttribute('data-active'),
      (a) => a === 'true',
    );
    await expect(screenText(first)).resolves.toContain(windows.luns[0]?.serial ?? 'no LUN');
    expect(t.pageErrors).toEqual([]);
  });
});
