/**
 * The pool's event log: every event gets the next sequence number, is written to the central
 * database, kept in a bounded in-memory ring for the fast reads the UI makes, and handed to
 * live subscribers (the SSE stream, the window).
 *
 * Durability choice: `append` commits before it returns (or joins the caller's transaction,
 * so an event and the change it records commit together). A single-event commit costs ~1 ms
 * with synchronous=FULL; bursts (migration rounds, a reporter's full report) use
 * `appendMany`, one transaction for the lot (~0.01 ms per event). So when an operation is
 * acknowledged its events are already on disk — no flush to forget.
 */
import type { PoolEvent } from '../../api/contract';
import type { CentralDb } from './db';

export type EventInput = Omit<PoolEvent, 'seq' | 'subject' | 'data'> & {
  subject?: string | null;
  data?: Record<string, unknown> | null;
};

interface EventRow {
  seq: number;
  time: number;
  kind: string;
  source: string;
  subject: string | null;
  message: string;
  data: string | null;
}

export class EventLog {
  private readonly ring: PoolEvent[] = [];
  private readonly listeners = new Set<(event: PoolEvent) => void>();
  private lastSeq: number;
  /** Seq of the newest event dropped from the ring; reads at or below it go to the database. */
  private ringFloor = 0;

  constructor(
    private readonly db: CentralDb,
    private readonly ringSize = 10_000,
  ) {
    this.lastSeq = Number(db.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM events')?.s ?? 0);
    const recent = db.all<EventRow>('SELECT * FROM events ORDER BY seq DESC LIMIT ?', [ringSize]);
    for (let i = recent.length - 1; i >= 0; i--) this.ring.push(fromRow(recent[i]!));
    if (recent.length === ringSize) this.ringFloor = this.ring[0]!.seq - 1;
  }

  /** The newest sequence number (0 when the log is empty). */
  get seq(): number {
    return this.lastSeq;
  }

  /** Records one event durably and tells subscribers. */
  append(input: EventInput): PoolEvent {
    return this.appendMany([input])[0]!;
  }

  /** Records several events in one transaction: all get consecutive seqs, or none is recorded. */
  appendMany(inputs: readonly EventInput[]): PoolEvent[] {
    if (inputs.length === 0) return [];
    let seq = this.lastSeq;
    const events = inputs.map(
      (i): PoolEvent => ({
        seq: ++seq,
        time: i.time,
        kind: i.kind,
        source: i.source,
        subject: i.subject ?? null,
        message: i.message,
        data: i.data ?? null,
      }),
    );
    this.db.transaction(() => {
      for (const e of events) {
        this.db.run(
          'INSERT INTO events (seq, time, kind, source, subject, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [
            e.seq,
            e.time,
            e.kind,
            e.source,
            e.subject,
            e.message,
            e.data === null ? null : JSON.stringify(e.data),
          ],
        );
      }
    });
    // Seqs are taken now (a rolled-back outer transaction leaves a gap, never a reuse); the ring
    // and subscribers learn of the events only once they are committed.
    this.lastSeq = seq;
    this.db.afterCommit(() => {
      for (const e of events) {
        this.ring.push(e);
        if (this.ring.length > this.ringSize) this.ringFloor = this.ring.shift()!.seq;
      }
      for (const e of events) this.notify(e);
    });
    return events;
  }

  /** Events with seq > `after`, oldest first, at most `limit`, optionally of one kind. */
  after(after: number, limit = 500, kind?: string): PoolEvent[] {
    const max = Math.max(0, Math.trunc(limit));
    if (max === 0) return [];
    const oldest = this.ring[0];
    // The ring answers when it holds everything after `after` (seqs in it ascend, maybe with gaps).
    if (oldest && after >= this.ringFloor) {
      const out: PoolEvent[] = [];
      for (let i = firstAfter(this.ring, after); i < this.ring.length && out.length < max; i++) {
        const e = this.ring[i]!;
        if (kind === undefined || e.kind === kind) out.push(e);
      }
      return out;
    }
    const rows =
      kind === undefined
        ? this.db.all<EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [after, max])
        : this.db.all<EventRow>('SELECT * FROM events WHERE seq > ? AND kind = ? ORDER BY seq LIMIT ?', [
            after,
            kind,
            max,
          ]);
    return rows.map(fromRow);
  }

  /** Live events from now on; returns the unsubscribe function. A listener that throws harms no one else. */
  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(e: PoolEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // One broken subscriber (a closed stream) must not stop the log or the others.
      }
    }
  }
}

/** Index of the first event with seq > `after` in an ascending ring. */
function firstAfter(ring: readonly PoolEvent[], after: number): number {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ring[mid]!.seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fromRow(r: EventRow): PoolEvent {
  return {
    seq: Number(r.seq),
    time: Number(r.time),
    kind: r.kind,
    source: r.source,
    subject: r.subject,
    message: r.message,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
  };
}
