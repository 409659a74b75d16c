/**
 * READ CAPACITY(10) and READ CAPACITY(16): the last LBA and the block length. (10) answers
 * 0xFFFFFFFF when the last LBA does not fit in 32 bits, telling the initiator to use (16).
 */
import { putU64, u32 } from '../cdb';
import type { CommandRun } from '../command';
import { invalidCdbField } from '../sense';

const PMI = 0x01;

export const readCapacity10: CommandRun = (unit, cdb) => {
  // SBC-3: with PMI = 0 the LOGICAL BLOCK ADDRESS field must be zero.
  if (!(cdb[8]! & PMI) && u32(cdb, 2) !== 0) throw invalidCdbField(2);
  const d = Buffer.alloc(8);
  const last = unit.capacity - 1;
  d.writeUInt32BE(last > 0xfffffffe ? 0xffffffff : Math.max(last, 0), 0);
  d.writeUInt32BE(unit.backend.blockSize, 4);
  return d;
};

export const READ_CAPACITY_16_LENGTH = 32;

export const readCapacity16: CommandRun = (unit, cdb) => {
  if (!(cdb[14]! & PMI) && (u32(cdb, 2) !== 0 || u32(cdb, 6) !== 0)) throw invalidCdbField(2);
  const d = Buffer.alloc(READ_CAPACITY_16_LENGTH);
  putU64(d, 0, Math.max(unit.capacity - 1, 0));
  d.writeUInt32BE(unit.backend.blockSize, 8);
  // Bytes 12-15: no protection, one logical block per physical block, no thin provisioning.
  return d;
};

export const readCapacity16AllocationLength = (cdb: Uint8Array): number => u32(cdb, 10);
