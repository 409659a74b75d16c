/**
 * What the user can do, in one place: every button, context menu, shortcut, drop and menu
 * command calls these, so each action has one implementation and one error path (a notice
 * with the pool's own sentence: `ERR_HOST_DOWN: host h2 is down`).
 */
import type { FaultKind, MigrationJob } from '../src-main/api/contract';
import { type ApiClient, errorSentence } from './api/client';
import type { PoolFeed } from './state/feed';
import type { XdcStore } from './state/store';
import type { LabDialogPurpose } from './state/ui-slice';

export interface MigrationCheck {
  allowed: boolean;
  code: string | null;
  reason: string | null;
}

export interface Actions {
  /** Cached per (guest, host) for one drag; `beginDrag` clears the cache. */
  checkMigration(guestId: string, hostId: string): Promise<MigrationCheck>;
  beginDrag(): void;
  migrate(guestId: string, hostId: string): Promise<MigrationJob | null>;
  fault(kind: FaultKind, target: string, peer?: string): Promise<void>;
  setClockSpeed(speed: number): Promise<void>;
  toggleClock(): Promise<void>;
  saveLab(): Promise<void>;
  /** New / Open / Save As: the native picker in Electron, the in-app dialog in a browser. */
  chooseLabFolder(purpose: LabDialogPurpose): Promise<void>;
  applyLabFolder(purpose: LabDialogPurpose, dir: string): Promise<boolean>;
  openTerminalForSelection(): void;
  checkInvariants(): Promise<void>;
  /** Set by the canvas once React Flow is ready. */
  fitView: () => void;
  zoomIn: () => void;
  zoomOut: () => void;
}

export function createActions(client: ApiClient, store: XdcStore, feed: PoolFeed): Actions {
  const checks = new Map<string, Promise<MigrationCheck>>();
  let lastRunningSpeed = 1;
  const fail = (prefix: string, e: unknown) =>
    store.getState().notify('error', `${prefix}: ${errorSentence(e)}`);

  const actions: Actions = {
    checkMigration(guestId, hostId) {
      const key = `${guestId}>${hostId}`;
      let check = checks.get(key);
      if (!check) {
        check = client.checkMigration({ guestId, to: hostId }).catch((e: unknown) => ({
          allowed: false,
          code: 'ERR_CLIENT',
          reason: errorSentence(e),
        }));
        checks.set(key, check);
      }
      return check;
    },
    beginDrag() {
      checks.clear();
    },
    async migrate(guestId, hostId) {
      try {
        const job = await client.migrate({ guestId, to: hostId });
        store.getState().upsertJob(job);
        feed.refreshPoolSoon();
        return job;
      } catch (e) {
        fail(`migration of ${guestId} to ${hostId} refused`, e);
        return null;
      }
    },
    async fault(kind, target, peer) {
      try {
        const r = await client.fault(peer ? { kind, target, peer } : { kind, target });
        store.getState().notify('info', r.message);
        feed.refreshPoolSoon();
      } catch (e) {
        fail(`${kind} ${target} failed`, e);
      }
    },
    async setClockSpeed(speed) {
      try {
        const clock = await client.setClockSpeed({ speed });
        if (clock.speed > 0) lastRunningSpeed = clock.speed;
        store.getState().setClock(clock, Date.now());
      } catch (e) {
        fail('clock speed not changed', e);
      }
    },
    async toggleClock() {
      const speed = store.getState().pool?.clock.speed ?? 1;
      if (speed > 0) lastRunningSpeed = speed;
      await actions.setClockSpeed(speed > 0 ? 0 : lastRunningSpeed);
    },
    async saveLab() {
      try {
        const lab = await client.saveLab({});
        store.getState().setLab(lab);
        store.getState().notify('info', `saved ${lab.dir}`);
      } catch (e) {
        fail('save failed', e);
      }
    },
    async chooseLabFolder(purpose) {
      if (client.pickFolder) {
        const dir = await client.pickFolder(purpose);
        if (dir) await actions.applyLabFolder(purpose, dir);
        return;
      }
      store.getState().setLabDialog(purpose);
    },
    async applyLabFolder(purpose, dir) {
      try {
        const lab =
          purpose === 'save-as'
            ? await client.saveLabAs({ dir })
            : await client.openLab({ dir, create: purpose === 'new' });
        store.getState().setLab(lab);
        store.getState().setLabDialog(null);
        if (purpose !== 'save-as') await feed.reload();
        store.getState().notify('info', `${purpose === 'save-as' ? 'saved as' : 'opened'} ${lab.dir}`);
        return true;
      } catch (e) {
        fail(purpose === 'save-as' ? 'save as failed' : 'open failed', e);
        return false;
      }
    },
    openTerminalForSelection() {
      const s = store.getState();
      const sel = s.selection;
      const guestId = sel?.kind === 'guest' ? sel.id : sel?.kind === 'lun' ? sel.id.split('#')[0] : null;
      if (!guestId) {
        s.notify('info', 'select a guest first (Ctrl+` opens its terminal)');
        return;
      }
      s.openTerminal(guestId);
    },
    async checkInvariants() {
      await feed.refreshInvariantsNow();
    },
    fitView: () => undefined,
    zoomIn: () => undefined,
    zoomOut: () => undefined,
  };
  return actions;
}
