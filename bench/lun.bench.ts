/**
 * The LUN layer's cost on the data path: 1 MiB sequential and 4 KiB random READ(16)/WRITE(16)
 * CDBs through VirtualLun.execute, against plain fs.readSync/writeSync of the same sizes on a
 * plain file of the same size in the same run. The LUN sits on a real file-backed volume: block
 * ring -> volume client (owner check) -> volume server's data path -> the sparse shared disk.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockRing } from '../src-main/pool/dom0/blkring';
import { InProcessVolumeServerLink, VolumeClient } from '../src-main/pool/dom0/volume-client';
import { VolumeServerRole } from '../src-main/pool/dom0/volume-server-role';
import { type LunBackend, lunIdentityFor } from '../src-main/pool/scsi/backend';
import { VirtualLun } from '../src-main/pool/scsi/virtual-lun';
import { SharedDisks } from '../src-main/pool/storage/shared-disks';
import { WriteAudit } from '../src-main/pool/write-audit';
import { type BenchOptions, compareOps, report } from './lib';

const BLOCK = 512;
const FILE_BYTES = 64 * 1024 * 1024;
const SEQ = 1024 * 1024;
const RAND = 4096;

/**
 * The LUN's backend is the real thing: a volume (VDI) carved from a disk group on a sparse shared
 * disk, owned by a host's volume client, reached through the guest's block ring — the same path a
 * guest's I/O takes in the pool.
 */
async function openVolumeBackend(
  dir: string,
  bytes: number,
): Promise<{ backend: LunBackend; close: () => void }> {
  const disks = SharedDisks.open(dir);
  disks.create('d1', bytes + 16 * 1024 * 1024);
  const role = new VolumeServerRole({ labDir: dir, disks, hostId: 'h1' });
  const vs = role.server;
  await vs.srCreate('dg1', { diskIds: ['d1'] });
  await vs.srAttach('dg1', 'h1');
  await vs.vdiCreate('dg1', 'bench-vdi', bytes);
  // The pool's guests write through the acknowledged-write audit; so does the bench.
  const audit = new WriteAudit(() => 0);
  const client = new VolumeClient('h1', new InProcessVolumeServerLink(role), audit.wrap(role.dataPath));
  await client.acquire('bench-vdi');
  const ring = new BlockRing('bench-vdi', lunIdentityFor('bench-pool', 'bench-vdi'), client);
  return {
    backend: ring,
    close: () => {
      role.close();
      disks.close();
    },
  };
}

/** A reusable 16-byte CDB whose LBA and TRANSFER LENGTH are rewritten in place per command. */
function cdb16(opcode: number, blocks: number): { cdb: Uint8Array; at: (lba: number) => Uint8Array } {
  const cdb = new Uint8Array(16);
  const view = new DataView(cdb.buffer);
  cdb[0] = opcode;
  view.setUint32(10, blocks);
  return {
    cdb,
    at(lba: number): Uint8Array {
      view.setUint32(2, Math.floor(lba / 0x100000000));
      view.setUint32(6, lba >>> 0);
      return cdb;
    },
  };
}

export default async function lunBench(opts: BenchOptions): Promise<void> {
  const rounds = opts.quick ? 3 : 7;
  const msPerRound = opts.quick ? 150 : 600;
  const dir = mkdtempSync(join(tmpdir(), 'xdc-lun-bench-'));
  const path = join(dir, 'plain.img');
  const { backend, close } = await openVolumeBackend(join(dir, 'lab'), FILE_BYTES);
  const fd = openSync(path, 'w+');
  ftruncateSync(fd, FILE_BYTES);
  try {
    const lun = new VirtualLun(backend, { powerOnAttention: false });
    const seqData = Buffer.alloc(SEQ, 0x5a);
    const randData = Buffer.alloc(RAND, 0xa5);
    const plain = Buffer.alloc(SEQ);
    // Fill the volume and the file once so both sides read real pages, not holes.
    for (let off = 0; off < FILE_BYTES; off += SEQ) {
      writeSync(fd, seqData, 0, SEQ, off);
      await backend.write(off / BLOCK, seqData);
    }

    const seqBlocks = SEQ / BLOCK;
    const randBlocks = RAND / BLOCK;
    const fileBlocks = FILE_BYTES / BLOCK;
    let lunSeq = 0;
    let fileSeq = 0;
    let seed = 12345;
    const nextRandom = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed % (fileBlocks / randBlocks)) * randBlocks;
    };

    const check = (status: number): void => {
      if (status !== 0) throw new Error(`LUN command failed with status ${status}`);
    };

    const cases: {
      name: string;
      cdb: ReturnType<typeof cdb16>;
      data?: Buffer;
      size: number;
      seq: boolean;
    }[] = [
      { name: 'lun.seq1m.read', cdb: cdb16(0x88, seqBlocks), size: SEQ, seq: true },
      { name: 'lun.seq1m.write', cdb: cdb16(0x8a, seqBlocks), data: seqData, size: SEQ, seq: true },
      { name: 'lun.rand4k.read', cdb: cdb16(0x88, randBlocks), size: RAND, seq: false },
      { name: 'lun.rand4k.write', cdb: cdb16(0x8a, randBlocks), data: randData, size: RAND, seq: false },
    ];

    for (const c of cases) {
      const blocks = c.size / BLOCK;
      const nextLba = c.seq
        ? () => {
            lunSeq = (lunSeq + blocks) % fileBlocks;
            return lunSeq;
          }
        : nextRandom;
      const nextOffset = c.seq
        ? () => {
            fileSeq = (fileSeq + blocks) % fileBlocks;
            return fileSeq * BLOCK;
          }
        : () => nextRandom() * BLOCK;
      // The initiator's data-in memory, reused like a driver's DMA buffer.
      const io = c.data ? undefined : { dataIn: Buffer.alloc(c.size) };
      const subject = async (): Promise<void> => {
        check((await lun.execute(c.cdb.at(nextLba()), c.data, io)).status);
      };
      const baseline = c.data
        ? () => writeSync(fd, c.data!, 0, c.size, nextOffset())
        : () => readSync(fd, plain, 0, c.size, nextOffset());
      const r = await compareOps(subject, baseline, { rounds, msPerRound });
      if (c.seq) {
        const mb = (ops: number): number => (ops * c.size) / 1e6;
        report({
          name: c.name,
          value: mb(r.subject),
          unit: 'MB/s',
          baseline: mb(r.baseline),
          baselineUnit: 'MB/s',
          goal: 'ratio >= 0.7',
        });
      } else {
        report({
          name: c.name,
          value: r.subject,
          unit: 'IOPS',
          baseline: r.baseline,
          baselineUnit: 'IOPS',
          goal: 'ratio >= 0.3',
        });
      }
    }
  } finally {
    closeSync(fd);
    close();
    rmSync(dir, { recursive: true, force: true });
  }
}
