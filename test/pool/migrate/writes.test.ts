/**
 * The guest's I/O across a live migration: writes issued while the guest is paused are held by
 * its block rings (never failed) and complete on the destination (or, if the migration rolls
 * back, on the source); every acknowledged write reads back afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GuestVm } from '../../../src-main/pool/guest-vm';
import type { Pool } from '../../../src-main/pool/pool';
import { ADMIN, openTestPool, type TestPool } from '../../support/pool-fixture';
import { atPhaseStart, blockPattern, guestRead, guestWrite, type IoOutcome, untilDone } from './helpers';

let t: TestPool | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Written {
  lun: number;
  lba: number;
  data: Buffer;
  issuedAt: number;
  phase: string;
  outcome: Promise<IoOutcome>;
}

/** A guest-side writer: every write goes to fresh blocks, so each one can be read back on its own. */
class Writer {
  readonly writes: Written[] = [];
  private nextLba = 4096;
  private timer: ReturnType<Pool['clock']['setTimer']> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly vm: GuestVm,
    private readonly phase: () => string,
  ) {}

  write(lun: number): Written {
    const lba = this.nextLba;
    this.nextLba += 8;
    const data = blockPattern(this.writes.length + 1, lba, 8);
    const w: Written = {
      lun,
      lba,
      data,
      issuedAt: this.pool.clock.now(),
      phase: this.phase(),
      outcome: guestWrite(this.pool, this.vm, lun, lba, data),
    };
    this.writes.push(w);
    return w;
  }

  /** One write every `everyMs` of pool time, round robin over the guest's LUNs. */
  every(everyMs: number): void {
    const tick = () => {
      this.write(this.writes.length % this.vm.vbds.length);
      this.timer = this.pool.clock.setTimer(everyMs, tick);
    };
    this.timer = this.pool.clock.setTimer(everyMs, tick);
  }

  stop(): void {
    if (this.timer) this.pool.clock.clearTimer(this.timer);
  }

  async readBack(): Promise<number> {
    let n = 0;
    for (const w of this.writes) {
      const o = await w.outcome;
      if (!o.ok) continue;
      expect(
        await guestRead(this.vm, w.lun, w.lba, 8),
        `write at LUN ${w.lun} LBA ${w.lba} issued in ${w.phase}`,
      ).toEqual(w.data);
      n++;
    }
    return n;
  }
}

describe('guest writes across a live migration', () => {
  it('migrating g1 to h2 while it writes loses no write: writes issued during stop-and-copy are held and complete on the destination', async () => {
    t = await openTestPool();
    const { pool } = t;
    const vm = pool.guest('g1');
    const pre = await pool.dcli('g1', 'dcli io write 1 --offset 1M --length 256k --seed 11', ADMIN);
    expect(pre.exitCode).toBe(0);

    const started = pool.migrate('g1', 'h2', ADMIN);
    const phase = () => pool.job(started.id).phase;
    const writer = new Writer(pool, vm, phase);
    writer.every(200);
    const held: Written[] = [];
    let heldSeen = 0;
    // While the guest is paused: 1 ms into stop-and-copy, and as the handoff phases start.
    atPhaseStart(pool, 'stop-and-copy', () => {
      pool.clock.setTimer(1, () => {
        for (const lun of [0, 1, 2]) held.push(writer.write(lun));
      });
    });
    atPhaseStart(pool, 'release', () => {
      held.push(writer.write(1));
    });
    atPhaseStart(pool, 'acquire', () => {
      held.push(writer.write(2));
      heldSeen = vm.vbds.reduce((n, v) => n + v.ring.heldRequests, 0);
    });

    const job = await untilDone(t, started);
    writer.stop();
    expect(job.state).toBe('succeeded');
    expect(vm.hostId).toBe('h2');
    expect(job.downtimeMs!).toBeLessThan(300);
    const resume = job.phases.find((p) => p.name === 'resume')!;
    expect(resume.detail).toMatch(/[1-9]\d* held I\/O request\(s\) completed there/);

    // The paused writes were held (not failed), and completed on h2 at the end of resume.
    expect(held).toHaveLength(5);
    expect(heldSeen).toBeGreaterThanOrEqual(4);
    for (const w of held) {
      const o = await w.outcome;
      expect(o.ok).toBe(true);
      expect(o.servedBy).toBe('h2');
      expect(o.at).toBe(resume.endedAt);
    }
    // The background writer's writes: before the pause served by h1, after the resume by h2, none failed.
    const outcomes = await Promise.all(writer.writes.map((w) => w.outcome));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.some((o) => o.servedBy === 'h1')).toBe(true);
    expect(outcomes.some((o) => o.servedBy === 'h2')).toBe(true);
    // Exchange kept logging through the pause: its writes were held too, never failed.
    expect(vm.managed.log.recent(1000).some((l) => /log write failed/.test(l.message))).toBe(false);

    // Read everything back from inside the guest, now on h2.
    const acknowledged = await writer.readBack();
    expect(acknowledged).toBe(writer.writes.length);
    expect(acknowledged).toBeGreaterThan(200); // ~50 s of pool time at one write per 200 ms
    const verify = await pool.dcli('g1', 'dcli io verify 1 --offset 1M --length 256k --seed 11', ADMIN);
    expect(verify.exitCode).toBe(0);
    expect(pool.invariants().ok).toBe(true);
  });

  it('when the migration rolls back, the held writes complete on the source and read back', async () => {
    t = await openTestPool();
    const { pool } = t;
    const vm = pool.guest('g3');
    const started = pool.migrate('g3', 'h3', ADMIN);
    const writer = new Writer(pool, vm, () => pool.job(started.id).phase);
    writer.every(100);
    const held: Written[] = [];
    atPhaseStart(pool, 'stop-and-copy', () => {
      pool.clock.setTimer(1, () => {
        held.push(writer.write(0), writer.write(1));
      });
    });
    // The destination crashes just as it is about to take the volumes the source released.
    atPhaseStart(pool, 'acquire', () => {
      held.push(writer.write(1));
      void pool.fault('host-crash', 'h3', undefined, ADMIN);
    });
    const job = await untilDone(t, started);
    writer.stop();
    expect(job.state).toBe('failed');
    expect(job.phase).toBe('acquire');
    expect(vm.hostId).toBe('h2');
    expect(vm.state).toBe('running');
    const rollback = job.phases.find((p) => p.name === 'rollback')!;
    for (const w of held) {
      const o = await w.outcome;
      expect(o.ok).toBe(true);
      expect(o.servedBy).toBe('h2');
      expect(o.at).toBe(rollback.endedAt);
    }
    expect(job.rolledBack.join('; ')).toMatch(/g3 resumed on h2; 3 held I\/O request\(s\) completed there/);
    const outcomes = await Promise.all(writer.writes.map((w) => w.outcome));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await writer.readBack()).toBe(writer.writes.length);
    expect(pool.invariants().ok).toBe(true);
  });
});
