/**
 * The window's iSCSI toggle: off by default; a click starts the lab's target on 127.0.0.1 (an
 * initiator can connect to the address it shows), another click stops it.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabInBrowser, openLabInBrowser, until } from './support/lab-in-browser';

let t: LabInBrowser;

beforeAll(async () => {
  t = await openLabInBrowser();
});

afterAll(async () => {
  await t?.close();
});

function tcpOpen(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = connect({ host, port: Number(port) }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('the iSCSI toggle in the top bar', () => {
  it('starts the target on 127.0.0.1 and stops it again', async () => {
    const toggle = t.page.getByTestId('iscsi-toggle');
    await until(
      'the toggle (off)',
      () => toggle.getAttribute('data-enabled'),
      (v) => v === 'false',
    );
    expect((await t.call('iscsiStatus', {})).enabled).toBe(false);
    await toggle.click();
    await until(
      'the toggle (on)',
      () => toggle.getAttribute('data-enabled'),
      (v) => v === 'true',
    );
    const on = await t.call('iscsiStatus', {});
    expect(on.enabled).toBe(true);
    expect(on.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await toggle.textContent()).toContain(on.address!);
    expect(await tcpOpen(on.address!)).toBe(true);
    await t.screenshot('09-iscsi-on');
    await toggle.click();
    await until(
      'the toggle (off again)',
      () => toggle.getAttribute('data-enabled'),
      (v) => v === 'false',
    );
    expect((await t.call('iscsiStatus', {})).enabled).toBe(false);
    expect(await tcpOpen(on.address!)).toBe(false);
  });
});
