/**
 * Drag-and-drop migration, without React: which host a dragged guest hovers, the verdict for
 * that host (asked once per (guest, host) per drag through Actions.checkMigration), and what a
 * drop does. The guest node always returns to its layout place on drop; it moves only when
 * the pool view says the guest now runs elsewhere.
 */
import type { Actions } from '../actions';
import { hostAt, type TopologyLayout } from '../layout/topology-layout';
import type { XdcStore } from '../state/store';

export class GuestDrag {
  private hoveredHost: string | null = null;

  constructor(
    private readonly store: XdcStore,
    private readonly actions: Actions,
    private readonly guestId: string,
  ) {
    actions.beginDrag();
    store.getState().setDraggingGuest(guestId);
  }

  private currentHost(): string | null {
    return this.store.getState().pool?.guests.find((g) => g.id === this.guestId)?.hostId ?? null;
  }

  /** The pointer moved to a canvas point. */
  hover(layout: TopologyLayout, point: { x: number; y: number }): void {
    const hostId = hostAt(layout, point);
    if (hostId === this.hoveredHost) return;
    this.hoveredHost = hostId;
    const s = this.store.getState();
    if (!hostId) {
      s.setDragHover(null);
      return;
    }
    s.setDragHover({ guestId: this.guestId, hostId, status: 'checking', reason: null });
    const same = hostId === this.currentHost();
    void this.actions.checkMigration(this.guestId, hostId).then((check) => {
      const hover = this.store.getState().dragHover;
      if (!hover || hover.guestId !== this.guestId || hover.hostId !== hostId) return;
      const status = check.allowed ? 'allowed' : same ? 'same-host' : 'refused';
      const reason = check.allowed
        ? null
        : check.code
          ? `${check.code}: ${check.reason ?? ''}`
          : (check.reason ?? 'not allowed');
      this.store.getState().setDragHover({ guestId: this.guestId, hostId, status, reason });
    });
  }

  /** The guest was dropped at a canvas point: start the migration, or say why not. */
  async drop(layout: TopologyLayout, point: { x: number; y: number }): Promise<void> {
    const s = this.store.getState();
    s.setDragHover(null);
    s.setDraggingGuest(null);
    const hostId = hostAt(layout, point);
    if (!hostId || hostId === this.currentHost()) return;
    const check = await this.actions.checkMigration(this.guestId, hostId);
    if (!check.allowed) {
      s.notify(
        'error',
        `migration of ${this.guestId} to ${hostId} refused: ${check.code ?? 'ERR_REFUSED'}: ${check.reason ?? ''}`,
      );
      return;
    }
    await this.actions.migrate(this.guestId, hostId);
  }

  cancel(): void {
    const s = this.store.getState();
    s.setDragHover(null);
    s.setDraggingGuest(null);
  }
}
