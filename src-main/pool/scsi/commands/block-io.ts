/**
 * READ/WRITE (6/10/16) and SYNCHRONIZE CACHE (10/16): the data path. Each CDB form only decodes
 * its fields; the transfer checks (maximum transfer length, LBA range, data-out length) are shared.
 * The hot path does no allocation beyond the backend's data buffer.
 */
import { u16, u32, u64 } from '../cdb';
import { type CommandRun, type LogicalUnit, NO_DATA } from '../command';
import { invalidCdbField, lbaOutOfRange } from '../sense';
import { MAX_TRANSFER_BLOCKS } from './inquiry';

const FUA = 0x08;
/** RDPROTECT / WRPROTECT: the LUN reports PROTECT=0, so any value but 0 is invalid (SBC-3). */
const PROTECT_FIELD = 0xe0;

/** Rejects a transfer the LUN cannot take; `lengthAt` is where the CDB's TRANSFER LENGTH sits. */
function checkTransfer(unit: LogicalUnit, lba: number, blocks: number, lengthAt: number): void {
  if (blocks > MAX_TRANSFER_BLOCKS) throw invalidCdbField(lengthAt);
  if (!(lba < unit.capacity) || lba + blocks > unit.capacity) throw lbaOutOfRange();
}

async function readBlocks(
  unit: LogicalUnit,
  lba: number,
  blocks: number,
  dataIn: Buffer | undefined,
): Promise<Buffer> {
  const bytes = blocks * unit.backend.blockSize;
  const into =
    dataIn === undefined || dataIn.length < bytes
      ? undefined
      : dataIn.length === bytes
        ? dataIn
        : dataIn.subarray(0, bytes);
  const data = await unit.backend.read(lba, blocks, into);
  if (data.length !== bytes) throw new Error(`backend returned ${data.length} bytes for ${blocks} blocks`);
  return data;
}

function read(
  unit: LogicalUnit,
  lba: number,
  blocks: number,
  lengthAt: number,
  dataIn: Buffer | undefined,
): Buffer | Promise<Buffer> {
  checkTransfer(unit, lba, blocks, lengthAt);
  return blocks === 0 ? NO_DATA : readBlocks(unit, lba, blocks, dataIn);
}

async function writeBlocks(unit: LogicalUnit, lba: number, data: Buffer, fua: boolean): Promise<Buffer> {
  await unit.backend.write(lba, data);
  if (fua) await unit.backend.flush();
  return NO_DATA;
}

/**
 * Data-out must be exactly TRANSFER LENGTH blocks. A shorter or longer buffer is rejected as
 * INVALID FIELD IN CDB at the TRANSFER LENGTH field, the way Linux LIO rejects an underflow or
 * overflow on a WRITE: the CDB asks for data the initiator did not send.
 */
function write(
  unit: LogicalUnit,
  lba: number,
  blocks: number,
  lengthAt: number,
  dataOut: Buffer | undefined,
  fua: boolean,
): Buffer | Promise<Buffer> {
  checkTransfer(unit, lba, blocks, lengthAt);
  if ((dataOut?.length ?? 0) !== blocks * unit.backend.blockSize) throw invalidCdbField(lengthAt);
  return blocks === 0 ? NO_DATA : writeBlocks(unit, lba, dataOut!, fua);
}

function checkProtect(cdb: Uint8Array): void {
  if (cdb[1]! & PROTECT_FIELD) throw invalidCdbField(1, 7);
}

function lba6(cdb: Uint8Array): number {
  return ((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!;
}

/** READ(6)/WRITE(6): TRANSFER LENGTH 0 means 256 blocks. */
export const read6: CommandRun = (unit, cdb, _out, dataIn) =>
  read(unit, lba6(cdb), cdb[4]! || 256, 4, dataIn);

export const read10: CommandRun = (unit, cdb, _out, dataIn) => {
  checkProtect(cdb);
  return read(unit, u32(cdb, 2), u16(cdb, 7), 7, dataIn);
};

export const read16: CommandRun = (unit, cdb, _out, dataIn) => {
  checkProtect(cdb);
  return read(unit, u64(cdb, 2), u32(cdb, 10), 10, dataIn);
};

export const write6: CommandRun = (unit, cdb, dataOut) =>
  write(unit, lba6(cdb), cdb[4]! || 256, 4, dataOut, false);

export const write10: CommandRun = (unit, cdb, dataOut) => {
  checkProtect(cdb);
  return write(unit, u32(cdb, 2), u16(cdb, 7), 7, dataOut, (cdb[1]! & FUA) !== 0);
};

export const write16: CommandRun = (unit, cdb, dataOut) => {
  checkProtect(cdb);
  return write(unit, u64(cdb, 2), u32(cdb, 10), 10, dataOut, (cdb[1]! & FUA) !== 0);
};

/**
 * NUMBER OF LOGICAL BLOCKS 0 means "to the end of the medium". IMMED is accepted and ignored:
 * the cache is always flushed before GOOD, which SBC-3 allows.
 */
async function synchronizeCache(unit: LogicalUnit, lba: number, blocks: number): Promise<Buffer> {
  if (!(lba < unit.capacity) || lba + blocks > unit.capacity) throw lbaOutOfRange();
  await unit.backend.flush();
  return NO_DATA;
}

export const synchronizeCache10: CommandRun = (unit, cdb) => synchronizeCache(unit, u32(cdb, 2), u16(cdb, 7));
export const synchronizeCache16: CommandRun = (unit, cdb) =>
  synchronizeCache(unit, u64(cdb, 2), u32(cdb, 10));
