/**
 * snapshot.create.1t_vs_1g: time per vdi_snapshot of a 1 TiB volume against a 1 GiB volume in
 * the same run (sparse disks make the 1 TiB disk group free). Copy-on-write snapshots copy no
 * data and no block map, so the ratio should stay near 1 (goal <= 1.5).
 * snapshot.delete.1t_vs_1g: time per snapshot delete, 1 TiB against 1 GiB: each round's snapshots
 * are deleted newest first after the same number of COW writes, so every delete hands those
 * chunks down to the next-older snapshot (and the last one frees them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessVolumeServerLink, VolumeClient } from '../src-main/pool/dom0/volume-client';
import { VolumeServerRole } from '../src-main/pool/dom0/volume-server-role';
import { SharedDisks } from '../src-main/pool/storage/shared-disks';
import { type BenchOptions, median, report } from './lib';

const GiB = 1024 ** 3;
const TiB = 1024 * GiB;
const CHUNK = 64 * 1024;

export default async function snapshotBench(opts: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xdc-bench-snap-'));
  const disks = SharedDisks.open(dir);
  let role: VolumeServerRole | undefined;
  try {
    // two sparse 600 GiB disks: the 1 TiB volume spans both, the 1 GiB one takes what is left
    disks.create('d1', 600 * GiB);
    disks.create('d2', 600 * GiB);
    role = new VolumeServerRole({ labDir: dir, disks, hostId: 'h1' });
    const server = role.server;
    await server.srCreate('dg1', { diskIds: ['d1', 'd2'] });
    await server.srAttach('dg1', 'h1');
    await server.vdiCreate('dg1', 'big', TiB);
    await server.vdiCreate('dg1', 'small', GiB);
    const client = new VolumeClient('h1', new InProcessVolumeServerLink(role), role.dataPath);
    await client.acquire('big');
    await client.acquire('small');
    const block = Buffer.alloc(CHUNK, 0x5a);
    // some real data spread over each volume, so the snapshots are of something
    for (let i = 0; i < 64; i++) {
      await client.write('big', Math.floor(((i / 64) * (TiB - CHUNK)) / CHUNK) * CHUNK, block);
      await client.write('small', Math.floor(((i / 64) * (GiB - CHUNK)) / CHUNK) * CHUNK, block);
    }

    const rounds = opts.quick ? 5 : 15;
    const perRound = opts.quick ? 20 : 60;
    const cowPerSnap = opts.quick ? 8 : 32;
    const create = { big: [] as number[], small: [] as number[] };
    const remove = { big: [] as number[], small: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const vol of ['small', 'big'] as const) {
        const size = vol === 'big' ? TiB : GiB;
        const ids: string[] = [];
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          const s = await server.vdiSnapshot(vol);
          create[vol].push(performance.now() - t0);
          ids.push(s.id);
        }
        // give the newest snapshot the same number of COW chunks on either volume
        for (let i = 0; i < cowPerSnap; i++)
          await client.write(vol, Math.floor((((i * 7919) % 1000) / 1000) * (size / CHUNK)) * CHUNK, block);
        for (const id of ids.reverse()) {
          const t0 = performance.now();
          await server.vdiDelete(id);
          remove[vol].push(performance.now() - t0);
        }
      }
    }
    const us = (ms: number) => ms * 1000;
    report({
      name: 'snapshot.create.1t_vs_1g',
      value: us(median(create.big)),
      unit: 'us/snapshot (1 TiB)',
      baseline: us(median(create.small)),
      baselineUnit: 'us/snapshot (1 GiB)',
      goal: 'ratio <= 1.5',
    });
    report({
      name: 'snapshot.delete.1t_vs_1g',
      value: us(median(remove.big)),
      unit: 'us/delete (1 TiB)',
      baseline: us(median(remove.small)),
      baselineUnit: 'us/delete (1 GiB)',
      goal: 'ratio <= 1.5',
    });
  } finally {
    try {
      role?.close();
    } finally {
      disks.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
