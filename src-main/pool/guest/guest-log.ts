/**
 * The guest's own log (its "event viewer" / syslog): a bounded ring of timestamped lines that
 * the collect-logs management script returns. Every part of the managed host writes here.
 */
import type { PoolClock } from '../net/clock';

export interface LogLine {
  time: number;
  source: string;
  message: string;
}

export class GuestLog {
  private readonly lines: LogLine[] = [];

  constructor(
    private readonly clock: PoolClock,
    private readonly capacity = 1000,
  ) {}

  write(source: string, message: string): void {
    this.lines.push({ time: this.clock.now(), source, message });
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  recent(limit = 100): LogLine[] {
    return this.lines.slice(-Math.max(0, limit));
  }

  /** `[   12.500s] vss: freeze started` lines. */
  static format(l: LogLine): string {
    return `[${(l.time / 1000).toFixed(3).padStart(10)}s] ${l.source}: ${l.message}`;
  }
}
