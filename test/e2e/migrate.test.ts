/**
 * Drag-and-drop live migration in the real window: a guest dragged onto another host migrates
 * there (the pool says so: placement and the owner of every one of its volumes), the canvas
 * moves the guest into its new host and the ownership edges to the new owner, and the finished
 * job shows its downtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestView, PoolView } from '../../src-main/api/contract';
import {
  boxOf,
  dragGuestTo,
  inside,
  type LabInBrowser,
  openLabInBrowser,
  until,
} from './support/lab-in-browser';

let t: LabInBrowser;
let before: PoolView;
let guest: GuestView;
let targetHostId: string;

beforeAll(async () => {
  t = await openLabInBrowser();
  before = await t.call('getPool', {});
  // A small Linux guest on a host that is not the volume server's, moved to a host it is not on.
  const candidate = before.guests.find((g) => g.id === 'g4') ?? before.guests.find((g) => !g.central);
  if (!candidate) throw new Error('the demo pool has no guest to migrate');
  guest = candidate;
  const target = before.hosts.find((h) => h.id !== guest.hostId && h.state === 'up' && !h.volumeServer);
  if (!target) throw new Error('the demo pool has no other host to migrate to');
  targetHostId = target.id;
});

afterAll(async () => {
  await t?.close();
});

describe('dragging a guest onto another host', () => {
  it('says the drop is allowed while hovering, then migrates the guest and its volumes there', async () => {
    const { page } = t;
    const volumes = before.volumes.filter((v) => v.guestId === guest.id);
    expect(volumes.length).toBeGreaterThan(0);
    for (const v of volumes) {
      expect(v.ownerHostId).toBe(guest.hostId);
      await expect(page.getByTestId(`edge-owner-${v.id}`).getAttribute('data-owner')).resolves.toBe(
        guest.hostId,
      );
    }
    // The pool clock at 10x, from the top bar, so pre-copy rounds take wall-clock milliseconds
    // (not 100x: real xprtld round trips would then weigh 100x their wall time on the pool clock).
    await page.getByTestId('clock-speed-10').click();
    await until(
      'the clock at 10x',
      async () => (await t.call('getPool', {})).clock.speed,
      (s) => s === 10,
    );

    await dragGuestTo(page, guest.id, targetHostId, async () => {
      const reason = page.getByTestId('drop-reason');
      const status = await until(
        'the drop verdict',
        () => reason.getAttribute('data-status').catch(() => null),
        (s) => s === 'allowed' || s === 'refused',
      );
      await t.screenshot('05-drop-allowed-hover');
      expect(`${status}: ${await reason.textContent()}`).toMatch(/^allowed: /);
      await expect(page.getByTestId(`host-${targetHostId}`).getAttribute('data-drop')).resolves.toBe(
        'allowed',
      );
    });

    // While it runs, the guest shows its phase and a progress bar (pre-copy alone lasts ~1 s of wall
    // time at 10x, several pool refreshes).
    const moving = page.getByTestId(`guest-${guest.id}`);
    const phase = await until(
      'the guest to show its migration phase',
      () => moving.getAttribute('data-phase'),
      (p) => p !== null && p !== '',
    );
    expect(phase).toMatch(/^[a-z-]+$/);
    await expect(page.getByTestId(`guest-progress-${guest.id}`).isVisible()).resolves.toBe(true);
    await t.screenshot('05b-migrating');
    // The drop started exactly one job; wait for it to end, and say how it ended if not well.
    const ended = await until(
      'the migration job to end',
      () => t.call('listJobs', {}),
      (js) => js.length > 0 && js.every((j) => j.state !== 'running'),
      60_000,
    );
    expect(ended).toHaveLength(1);
    expect(`${ended[0]?.state} ${JSON.stringify(ended[0]?.error ?? null)}`).toBe('succeeded null');
    // The API is the ground truth: the guest runs on the target and the target owns its volumes.
    const after = await until(
      `${guest.id} to run on ${targetHostId}`,
      () => t.call('getPool', {}),
      (p) => p.guests.some((g) => g.id === guest.id && g.hostId === targetHostId && g.state === 'running'),
      60_000,
    );
    for (const v of volumes) {
      expect(after.volumes.find((x) => x.id === v.id)?.ownerHostId).toBe(targetHostId);
    }
    const jobs = await t.call('listJobs', {});
    const job = jobs.find((j) => j.guestId === guest.id);
    expect(job?.state).toBe('succeeded');
    expect(job?.from).toBe(guest.hostId);
    expect(job?.to).toBe(targetHostId);

    // The canvas follows: the ownership edges point at the new owner, the guest sits in its new host.
    for (const v of volumes) {
      await until(
        `the edge of ${v.id} to move`,
        () => page.getByTestId(`edge-owner-${v.id}`).getAttribute('data-owner'),
        (o) => o === targetHostId,
      );
      await expect(page.getByTestId(`volume-${v.id}`).getAttribute('data-owner')).resolves.toBe(targetHostId);
    }
    const node = page.getByTestId(`guest-${guest.id}`);
    await until(
      'the guest node on its new host',
      () => node.getAttribute('data-host'),
      (h) => h === targetHostId,
    );
    await until(
      'the guest node inside its new host box',
      async () => inside(await boxOf(node), await boxOf(page.getByTestId(`host-${targetHostId}`))),
      (ok) => ok,
    );
    // The finished job shows its downtime, on the guest and in the jobs panel.
    if (!job) throw new Error('no job');
    await until(
      'the job downtime in the jobs panel',
      () =>
        page
          .getByTestId(`job-downtime-${job.id}`)
          .textContent()
          .catch(() => ''),
      (s) => /downtime/i.test(s ?? ''),
    );
    await expect(page.getByTestId(`guest-lastjob-${guest.id}`).textContent()).resolves.toMatch(/downtime/);
    await until(
      'migration events in the event log',
      () => page.getByTestId('event-log').textContent(),
      (s) => !!s?.includes('migration.'),
    );
    await t.screenshot('06-migrated');
  });
});
