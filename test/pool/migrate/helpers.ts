/**
 * What the migration scenarios share: waiting for a job on the virtual clock, injecting a fault
 * exactly as a phase starts (from the phase's own event), and block I/O from inside a guest with
 * real WRITE(16)/READ(16) CDBs through its HBA and block rings.
 */
import type { MigrationJob, PoolEvent } from '../../../src-main/api/contract';
import { Cdb, GOOD } from '../../../src-main/pool/guest/scsi-commands';
import type { GuestVm } from '../../../src-main/pool/guest-vm';
import type { Pool } from '../../../src-main/pool/pool';
import type { TestPool } from '../../support/pool-fixture';

export const BLOCK = 512;

/** Runs pool time until the job has ended; returns the final job. */
export async function untilDone(t: TestPool, job: MigrationJob | string): Promise<MigrationJob> {
  const id = typeof job === 'string' ? job : job.id;
  return t.clock.run(t.pool.migrations.whenDone(id));
}

/**
 * Calls `fn` synchronously when the job's phase starts, before its first step: the fault lands
 * at that exact pool instant. Returns an unsubscribe function.
 */
export function atPhaseStart(pool: Pool, phase: string, fn: (e: PoolEvent) => void): () => void {
  let fired = false;
  const off = pool.subscribe((e) => {
    if (fired || e.kind !== 'migration.phase') return;
    const d = e.data ?? {};
    if (d.phase === phase && d.state === 'started') {
      fired = true;
      fn(e);
    }
  });
  return off;
}

/** Events of one job, oldest first. */
export function jobEvents(pool: Pool, jobId: string): PoolEvent[] {
  return pool.events(0, 10_000).filter((e) => e.data?.jobId === jobId);
}

/** A recognisable pattern for block `lba` written by writer `tag`. */
export function blockPattern(tag: number, lba: number, blocks = 1): Buffer {
  const b = Buffer.alloc(blocks * BLOCK);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(((tag * 2654435761) ^ (lba * 40503 + i)) >>> 0, i);
  return b;
}

export interface IoOutcome {
  ok: boolean;
  /** Pool time at which the guest got its answer. */
  at: number;
  /** The host whose volume client served it (the ring's host when it completed). */
  servedBy: string;
}

/** WRITE(16) from inside the guest; resolves with whether it was acknowledged (GOOD status). */
export async function guestWrite(
  pool: Pool,
  vm: GuestVm,
  lun: number,
  lba: number,
  data: Buffer,
): Promise<IoOutcome> {
  const r = await vm.hba.execute(lun, Cdb.write16(lba, data.length / BLOCK), data);
  const ring = vm.vbds.find((v) => v.lun === lun)!.ring;
  return { ok: r.status === GOOD, at: pool.clock.now(), servedBy: ring.hostId };
}

/** READ(16) from inside the guest. */
export async function guestRead(vm: GuestVm, lun: number, lba: number, blocks: number): Promise<Buffer> {
  const r = await vm.hba.execute(lun, Cdb.read16(lba, blocks), undefined, {
    allocationLength: blocks * BLOCK,
  });
  if (r.status !== GOOD) throw new Error(`READ(16) of LUN ${lun} at ${lba} ended in status ${r.status}`);
  return Buffer.from(r.data);
}

/** Each volume's owner by the volume server's tag. */
export function owners(pool: Pool, vm: GuestVm): Array<string | null> {
  return vm.vbds.map((v) => pool.ownerOf(v.vdiId));
}
