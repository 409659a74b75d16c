/**
 * Narrow selectors: each returns one small value (or a value that keeps its identity while
 * unchanged) so components re-render only when what they show changes.
 */
import type { GuestView, HostView, MigrationJob, PoolEvent, VolumeView } from '../../src-main/api/contract';
import type { EventFilter } from './events-slice';
import type { XdcState } from './store';

export const selectHost =
  (id: string) =>
  (s: XdcState): HostView | undefined =>
    s.pool?.hosts.find((h) => h.id === id);
export const selectGuest =
  (id: string) =>
  (s: XdcState): GuestView | undefined =>
    s.pool?.guests.find((g) => g.id === id);
export const selectVolume =
  (id: string) =>
  (s: XdcState): VolumeView | undefined =>
    s.pool?.volumes.find((v) => v.id === id);

/** Jobs newest first. */
export function jobsNewestFirst(jobs: Record<string, MigrationJob>): MigrationJob[] {
  return Object.values(jobs).sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
}

export function jobsForGuest(jobs: Record<string, MigrationJob>, guestId: string): MigrationJob[] {
  return jobsNewestFirst(jobs).filter((j) => j.guestId === guestId);
}

/** Events passing the log's filter: kind prefix (e.g. `migration` matches `migration.phase`) and text. */
export function filterEvents(events: readonly PoolEvent[], filter: EventFilter): PoolEvent[] {
  const text = filter.text.trim().toLowerCase();
  return events.filter((e) => {
    if (filter.kind && !(e.kind === filter.kind || e.kind.startsWith(`${filter.kind}.`))) return false;
    if (!text) return true;
    return (
      e.message.toLowerCase().includes(text) ||
      e.kind.toLowerCase().includes(text) ||
      e.source.toLowerCase().includes(text) ||
      (e.subject ?? '').toLowerCase().includes(text)
    );
  });
}

/** Distinct kinds (and their dotted prefixes) seen in the log, for the filter menu. */
export function eventKinds(events: readonly PoolEvent[]): string[] {
  const kinds = new Set<string>();
  for (const e of events) {
    kinds.add(e.kind);
    const dot = e.kind.indexOf('.');
    if (dot > 0) kinds.add(e.kind.slice(0, dot));
  }
  return [...kinds].sort();
}

/** The host a volume's ownership edge points at (null when no client owns it). */
export const selectVolumeOwner =
  (id: string) =>
  (s: XdcState): string | null =>
    s.pool?.volumes.find((v) => v.id === id)?.ownerHostId ?? null;
