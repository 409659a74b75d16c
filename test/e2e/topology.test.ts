/**
 * The demo pool as a person first sees it, and faults injected from the canvas: every host and
 * guest is drawn where the pool says it runs, the central server is marked as such, a host
 * crashed from its context menu shows as down, and a guest dropped on that host stays put with
 * the reason on screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolView } from '../../src-main/api/contract';
import {
  boxOf,
  dragGuestTo,
  inside,
  type LabInBrowser,
  openLabInBrowser,
  until,
} from './support/lab-in-browser';

let t: LabInBrowser;
let initial: PoolView;

beforeAll(async () => {
  t = await openLabInBrowser();
  initial = await t.call('getPool', {});
});

afterAll(async () => {
  await t?.close();
});

describe('the demo pool on the canvas', () => {
  it('draws every host and every guest inside the host it runs on', async () => {
    const { page } = t;
    expect(initial.hosts.length).toBeGreaterThanOrEqual(3);
    expect(initial.guests.length).toBeGreaterThanOrEqual(5);
    for (const h of initial.hosts) {
      const host = page.getByTestId(`host-${h.id}`);
      await expect(host.getAttribute('data-state')).resolves.toBe(h.state);
      await expect(host.textContent()).resolves.toContain(h.name);
    }
    for (const g of initial.guests) {
      const guest = page.getByTestId(`guest-${g.id}`);
      await expect(guest.getAttribute('data-host')).resolves.toBe(g.hostId);
      await expect(guest.textContent()).resolves.toContain(g.name);
      expect(inside(await boxOf(guest), await boxOf(page.getByTestId(`host-${g.hostId}`)))).toBe(true);
    }
    // The volume server's host carries its mark, and only that host.
    const vs = initial.hosts.filter((h) => h.volumeServer);
    expect(vs).toHaveLength(1);
    await expect(page.getByTestId(`volume-server-${vs[0]?.id}`).isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-testid^="volume-server-"]').count()).resolves.toBe(1);
    await t.screenshot('01-demo-topology');
  });

  it('shows the central server VM as the central server, not as an ordinary guest', async () => {
    const central = initial.guests.find((g) => g.central);
    expect(central?.id).toBe(initial.centralGuestId);
    const node = t.page.getByTestId(`guest-${initial.centralGuestId}`);
    await expect(node.getAttribute('data-central')).resolves.toBe('true');
    await expect(node.textContent()).resolves.toMatch(/central server/i);
  });

  it('draws each volume with an ownership edge to the host that owns it', async () => {
    const { page } = t;
    for (const v of initial.volumes) {
      await expect(page.getByTestId(`volume-${v.id}`).getAttribute('data-owner')).resolves.toBe(
        v.ownerHostId ?? '',
      );
      if (v.ownerHostId) {
        await expect(page.getByTestId(`edge-owner-${v.id}`).getAttribute('data-owner')).resolves.toBe(
          v.ownerHostId,
        );
      }
    }
  });
});

describe('faults from the context menu', () => {
  it('crashing a host from its context menu shows it down on the canvas', async () => {
    const { page } = t;
    // A host with ordinary guests that neither holds the central server nor the volume server.
    const victim = initial.hosts.find(
      (h) =>
        !h.volumeServer &&
        initial.guests.some((g) => g.hostId === h.id) &&
        !initial.guests.some((g) => g.central && g.hostId === h.id),
    );
    if (!victim) throw new Error('the demo pool has no plain host to crash');
    await page.getByTestId(`host-${victim.id}`).locator('.host-header').click({ button: 'right' });
    await page.getByTestId('ctx-host-crash').click();
    const host = page.getByTestId(`host-${victim.id}`);
    await until(
      'the host to show down',
      () => host.getAttribute('data-state'),
      (s) => s === 'down',
    );
    await expect(host.locator('.badge-down').textContent()).resolves.toBe('down');
    const pool = await t.call('getPool', {});
    expect(pool.hosts.find((h) => h.id === victim.id)?.state).toBe('down');
    // The event log says so too.
    await until(
      'the crash in the event log',
      () => page.getByTestId('event-log').textContent(),
      (text) => !!text?.includes('fault.host-crash'),
    );
    await t.screenshot('02-host-crashed');
  });

  it('refuses a guest dropped on the crashed host, says why, and leaves the guest where it was', async () => {
    const { page } = t;
    const pool = await t.call('getPool', {});
    const down = pool.hosts.find((h) => h.state === 'down');
    const mover = pool.guests.find((g) => !g.central && g.state === 'running' && g.hostId !== down?.id);
    if (!down || !mover) throw new Error('expected a crashed host and a running guest elsewhere');
    let hoverText = '';
    await dragGuestTo(page, mover.id, down.id, async () => {
      const reason = page.getByTestId('drop-reason');
      await until(
        'the drop verdict',
        () => reason.getAttribute('data-status').catch(() => null),
        (s) => s === 'refused',
      );
      hoverText = (await reason.textContent()) ?? '';
      await expect(page.getByTestId(`host-${down.id}`).getAttribute('data-drop')).resolves.toBe('refused');
      await t.screenshot('03-drop-refused-hover');
    });
    expect(hoverText).toMatch(/down/i);
    // After the drop: the refusal is said again, and nothing moved.
    const notice = page.getByTestId('notice-error');
    await until(
      'the refusal notice',
      () => notice.textContent().catch(() => ''),
      (s) => /refused/i.test(s ?? ''),
    );
    await expect(notice.textContent()).resolves.toMatch(/down/i);
    const after = await t.call('getPool', {});
    expect(after.guests.find((g) => g.id === mover.id)?.hostId).toBe(mover.hostId);
    expect(await t.call('listJobs', {})).toHaveLength(0);
    const guest = page.getByTestId(`guest-${mover.id}`);
    await expect(guest.getAttribute('data-host')).resolves.toBe(mover.hostId);
    await until(
      'the guest to snap back into its host',
      async () => inside(await boxOf(guest), await boxOf(page.getByTestId(`host-${mover.hostId}`))),
      (ok) => ok,
    );
    await t.screenshot('04-drop-refused-after');
  });

  it('restoring the host from its context menu brings it back up', async () => {
    const { page } = t;
    const down = (await t.call('getPool', {})).hosts.find((h) => h.state === 'down');
    if (!down) throw new Error('expected a crashed host');
    await page.getByTestId(`host-${down.id}`).locator('.host-header').click({ button: 'right' });
    await page.getByTestId('ctx-host-restore').click();
    await until(
      'the host to show up',
      () => page.getByTestId(`host-${down.id}`).getAttribute('data-state'),
      (s) => s === 'up',
    );
    expect(t.pageErrors).toEqual([]);
  });
});
