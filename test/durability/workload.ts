/**
 * The crash-restart workload and what it expects: acknowledged `dcli io write`s with known seeds
 * (per 64 KiB slot of each LUN), snapshots of LUNs whose slots are known, snapshot schedules and
 * migrations, all through the HTTP API of a headless lab that may be SIGKILLed at any moment.
 *
 * The model keeps, per slot, the seeds the slot may hold: one after an acknowledged write; the
 * old ones plus the new one while a write is in flight or ended without an acknowledgement (the
 * kill may have come before or after it reached the disk). Verification after a restart accepts
 * any candidate, fails on none, and collapses the slot to what it found.
 */
import type { HeadlessChild } from './headless-child';

export const SLOT_BYTES = 64 * 1024;
export const SLOTS_PER_LUN = 12;
/** Seed 0 is never used: it stands for "never written" (zeros), which io verify cannot check. */
const NEVER = 0;

export interface LunRef {
  guestId: string;
  lun: number;
  vdiId: string;
}

export interface SnapshotExpectation {
  setName: string;
  guestId: string;
  lun: number;
  snapshotId: string;
  /** slot -> seed the snapshot must hold there (only slots certain at snapshot time). */
  slots: Map<number, number>;
}

export interface WorkloadStats {
  writesAcked: number;
  writesUnacked: number;
  snapshotsAcked: number;
  schedulesAcked: number;
  migrationsStarted: number;
  migrationsRefused: number;
  opsFailed: number;
}

/** A tiny deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (l: { guestId: string; lun: number }) => `${l.guestId}/${l.lun}`;

export class DurabilityModel {
  readonly luns: LunRef[];
  /** lun key -> slot -> candidate seeds. */
  private readonly slots = new Map<string, Map<number, number[]>>();
  readonly snapshots: SnapshotExpectation[] = [];
  /** Schedules whose `schedule add` was acknowledged: guest -> ids. */
  readonly schedules = new Map<string, Set<string>>();
  readonly hosts: string[];
  readonly stats: WorkloadStats = {
    writesAcked: 0,
    writesUnacked: 0,
    snapshotsAcked: 0,
    schedulesAcked: 0,
    migrationsStarted: 0,
    migrationsRefused: 0,
    opsFailed: 0,
  };
  private nextSeed = 1;
  private readonly busy = new Set<string>();

  constructor(luns: LunRef[], hosts: string[]) {
    this.luns = luns;
    this.hosts = hosts;
    for (const l of luns) this.slots.set(key(l), new Map());
  }

  /** The guests' LUNs and the hosts, from GET /api/v1/pool. */
  static fromPoolView(view: unknown): DurabilityModel {
    const v = view as {
      hosts: Array<{ id: string }>;
      volumes: Array<{ id: string; guestId: string | null; lun: number | null }>;
    };
    const luns = v.volumes
      .filter((x): x is { id: string; guestId: string; lun: number } => x.guestId !== null && x.lun !== null)
      .map((x) => ({ guestId: x.guestId, lun: x.lun, vdiId: x.id }));
    return new DurabilityModel(
      luns,
      v.hosts.map((h) => h.id),
    );
  }

  candidates(l: LunRef, slot: number): number[] {
    return this.slots.get(key(l))?.get(slot) ?? [NEVER];
  }

  /** Slots that hold (or may hold) written data: what a verify pass checks. */
  writtenSlots(l: LunRef): Array<[number, number[]]> {
    return [...(this.slots.get(key(l)) ?? new Map<number, number[]>()).entries()].filter(([, c]) =>
      c.some((s) => s !== NEVER),
    );
  }

  settle(l: LunRef, slot: number, seed: number): void {
    this.slots.get(key(l))!.set(slot, [seed]);
  }

  // ---------------------------------------------------------------- operations

  /** One random operation; errors from a dying child are the caller's concern. */
  async step(child: HeadlessChild, r: () => number, seq: number): Promise<void> {
    const x = r();
    if (x < 0.7) await this.write(child, r);
    else if (x < 0.85) await this.snapshot(child, r, seq);
    else if (x < 0.95) await this.migrate(child, r);
    else await this.schedule(child, r);
  }

  private pickFree(r: () => number): LunRef | null {
    for (let i = 0; i < 8; i++) {
      const l = this.luns[Math.floor(r() * this.luns.length)]!;
      if (!this.busy.has(key(l))) return l;
    }
    return null;
  }

  /** Operations on one LUN are serialised so a snapshot's expected content is exact. */
  private async withLun<T>(l: LunRef, fn: () => Promise<T>): Promise<T> {
    this.busy.add(key(l));
    try {
      return await fn();
    } finally {
      this.busy.delete(key(l));
    }
  }

  async write(child: HeadlessChild, r: () => number, at?: { lun: LunRef; slot: number }): Promise<boolean> {
    const l = at?.lun ?? this.pickFree(r);
    if (!l) return false;
    const slot = at?.slot ?? Math.floor(r() * SLOTS_PER_LUN);
    const seed = this.nextSeed++;
    const run = async () => {
      const before = this.candidates(l, slot);
      // In flight: the slot may now hold either.
      this.slots.get(key(l))!.set(slot, [...new Set([...before, seed])]);
      const res = await child.dcli(
        l.guestId,
        `dcli io write ${l.lun} --offset ${slot * SLOT_BYTES} --length ${SLOT_BYTES} --seed ${seed}`,
      );
      if (res.exitCode === 0) {
        this.settle(l, slot, seed);
        this.stats.writesAcked++;
        return true;
      }
      this.stats.writesUnacked++;
      return false;
    };
    return at ? run() : this.withLun(l, run);
  }

  /** Write a slot, snapshot the LUN, overwrite the slot: the snapshot must keep the first content. */
  private async snapshot(child: HeadlessChild, r: () => number, seq: number): Promise<void> {
    const l = this.pickFree(r);
    if (!l) return;
    await this.withLun(l, async () => {
      const slot = Math.floor(r() * SLOTS_PER_LUN);
      if (!(await this.write(child, r, { lun: l, slot }))) return;
      const name = `kt${seq}-${this.nextSeed++}`;
      const expected = new Map<number, number>();
      for (const [s, c] of this.writtenSlots(l)) if (c.length === 1) expected.set(s, c[0]!);
      const res = await child.dcli(
        l.guestId,
        `dcli snapshot create lun${l.lun} --name ${name} --crash-consistent --json`,
      );
      if (res.exitCode !== 0) {
        this.stats.opsFailed++;
        return;
      }
      const rec = JSON.parse(res.output) as { members: Array<{ lun: number; snapshotId: string }> };
      const member = rec.members.find((m) => m.lun === l.lun);
      if (!member)
        throw new Error(
          `snapshot ${name} of lun${l.lun} on ${l.guestId} has no member for that LUN: ${res.output}`,
        );
      this.snapshots.push({
        setName: name,
        guestId: l.guestId,
        lun: l.lun,
        snapshotId: member.snapshotId,
        slots: expected,
      });
      this.stats.snapshotsAcked++;
      await this.write(child, r, { lun: l, slot });
    });
  }

  private async migrate(child: HeadlessChild, r: () => number): Promise<void> {
    const guests = [...new Set(this.luns.map((l) => l.guestId))];
    const g = guests[Math.floor(r() * guests.length)]!;
    const to = this.hosts[Math.floor(r() * this.hosts.length)]!;
    const res = await child.call('POST', `/api/v1/guests/${g}/migrate`, { to });
    if (res.status >= 200 && res.status < 300) this.stats.migrationsStarted++;
    else this.stats.migrationsRefused++;
  }

  private async schedule(child: HeadlessChild, r: () => number): Promise<void> {
    const l = this.luns[Math.floor(r() * this.luns.length)]!;
    if ((this.schedules.get(l.guestId)?.size ?? 0) >= 1) return;
    const res = await child.dcli(l.guestId, `dcli schedule add lun${l.lun} --every 30s --keep 3 --json`);
    if (res.exitCode !== 0) {
      this.stats.opsFailed++;
      return;
    }
    const rec = JSON.parse(res.output) as { id: string };
    const set = this.schedules.get(l.guestId) ?? new Set<string>();
    set.add(rec.id);
    this.schedules.set(l.guestId, set);
    this.stats.schedulesAcked++;
  }
}
