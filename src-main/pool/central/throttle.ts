/**
 * Slows password guessing: after `maxFailures` failed logins for a name within `windowMs`,
 * further attempts are refused (ERR_TOO_MANY_ATTEMPTS) WITHOUT checking the password, for a
 * lock that doubles with each lockout up to `maxLockMs`. A success, or a window with no
 * failure, forgets the name. Unknown names are throttled the same way, so the throttle does
 * not reveal which names exist.
 */
import { XdcError } from '../errors';

export interface ThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  baseLockMs?: number;
  maxLockMs?: number;
}

interface LockoutState {
  failures: number[];
  lockedUntil: number;
  lastLockMs: number;
}

export class LoginThrottle {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseLockMs: number;
  private readonly maxLockMs: number;
  private readonly byName = new Map<string, LockoutState>();

  constructor(
    private readonly now: () => number,
    opts: ThrottleOptions = {},
  ) {
    this.maxFailures = opts.maxFailures ?? 3;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.baseLockMs = opts.baseLockMs ?? 5_000;
    this.maxLockMs = opts.maxLockMs ?? 5 * 60_000;
  }

  /** Throws ERR_TOO_MANY_ATTEMPTS while `name` is locked out. */
  check(name: string): void {
    const r = this.current(name);
    if (!r) return;
    const left = r.lockedUntil - this.now();
    if (left > 0) {
      const secs = Math.ceil(left / 1000);
      throw new XdcError(
        'ERR_TOO_MANY_ATTEMPTS',
        `too many failed logins for ${name}; try again in ${secs} s`,
        {
          retryAfterMs: left,
        },
      );
    }
  }

  failed(name: string): void {
    const now = this.now();
    const r = this.current(name) ?? { failures: [], lockedUntil: 0, lastLockMs: 0 };
    r.failures = r.failures.filter((t) => now - t < this.windowMs);
    r.failures.push(now);
    if (r.failures.length >= this.maxFailures) {
      r.lastLockMs = r.lastLockMs === 0 ? this.baseLockMs : Math.min(r.lastLockMs * 2, this.maxLockMs);
      r.lockedUntil = now + r.lastLockMs;
    }
    this.byName.set(name, r);
    if (this.byName.size > 10_000) this.prune();
  }

  succeeded(name: string): void {
    this.byName.delete(name);
  }

  private current(name: string): LockoutState | undefined {
    const r = this.byName.get(name);
    if (!r) return undefined;
    const last = r.failures[r.failures.length - 1] ?? 0;
    if (this.now() - last >= this.windowMs && this.now() >= r.lockedUntil) {
      this.byName.delete(name);
      return undefined;
    }
    return r;
  }

  private prune(): void {
    for (const name of [...this.byName.keys()]) this.current(name);
  }
}
