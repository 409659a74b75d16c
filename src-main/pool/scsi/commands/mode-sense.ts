/**
 * MODE SENSE(6) and (10): the caching page (write cache enabled, so a guest sends SYNCHRONIZE
 * CACHE), the control page (fixed-format sense, D_SENSE=0), all pages (0x3F), with an optional
 * block descriptor (short, or long with LLBAA in (10)). MODE SELECT is not supported, so the
 * changeable values are all zero and saved values do not exist.
 */
import { putU64, u16 } from '../cdb';
import type { CommandRun, LogicalUnit } from '../command';
import { Asc, CheckCondition, invalidCdbField, ScsiSense } from '../sense';

export const ModePage = {
  CACHING: 0x08,
  CONTROL: 0x0a,
  ALL: 0x3f,
} as const;

const PageControl = { CURRENT: 0, CHANGEABLE: 1, DEFAULT: 2, SAVED: 3 } as const;
/** DEVICE-SPECIFIC PARAMETER: WP=0, DPOFUA=1 (FUA is honoured by flushing). */
const DEVICE_SPECIFIC_DPOFUA = 0x10;
const DBD = 0x08;
const LLBAA = 0x10;

function cachingPage(changeable: boolean): Buffer {
  const p = Buffer.alloc(20);
  p[0] = ModePage.CACHING;
  p[1] = p.length - 2;
  if (!changeable) p[2] = 0x04; // WCE: writes are acknowledged before they are flushed
  return p;
}

function controlPage(changeable: boolean): Buffer {
  const p = Buffer.alloc(12);
  p[0] = ModePage.CONTROL;
  p[1] = p.length - 2;
  if (!changeable) p[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1: unrestricted reordering; QERR 00b
  return p;
}

function pages(code: number, changeable: boolean): Buffer | null {
  if (code === ModePage.CACHING) return cachingPage(changeable);
  if (code === ModePage.CONTROL) return controlPage(changeable);
  if (code === ModePage.ALL) return Buffer.concat([cachingPage(changeable), controlPage(changeable)]);
  return null;
}

function blockDescriptor(unit: LogicalUnit, long: boolean): Buffer {
  const blocks = unit.capacity;
  if (long) {
    const d = Buffer.alloc(16);
    putU64(d, 0, blocks);
    d.writeUInt32BE(unit.backend.blockSize, 12);
    return d;
  }
  const d = Buffer.alloc(8);
  d.writeUInt32BE(Math.min(blocks, 0xffffffff), 0);
  d.writeUIntBE(unit.backend.blockSize, 5, 3);
  return d;
}

/** The block descriptor(s) and mode pages the CDB asks for; throws for an unsupported selection. */
function modeParameters(
  unit: LogicalUnit,
  cdb: Uint8Array,
  long: boolean,
): { descriptor: Buffer; pages: Buffer } {
  const pc = cdb[2]! >> 6;
  const code = cdb[2]! & 0x3f;
  const subpage = cdb[3]!;
  if (pc === PageControl.SAVED) {
    throw new CheckCondition(
      ScsiSense.illegalRequest(Asc.SAVING_PARAMETERS_NOT_SUPPORTED, { byte: 2, bit: 7 }),
    );
  }
  if (subpage !== 0 && !(subpage === 0xff && code === ModePage.ALL)) throw invalidCdbField(3);
  const found = pages(code, pc === PageControl.CHANGEABLE);
  if (!found) throw invalidCdbField(2, 5);
  const descriptor = cdb[1]! & DBD ? Buffer.alloc(0) : blockDescriptor(unit, long);
  return { descriptor, pages: found };
}

export const modeSense6: CommandRun = (unit, cdb) => {
  const { descriptor, pages } = modeParameters(unit, cdb, false);
  const header = Buffer.alloc(4);
  header[0] = 3 + descriptor.length + pages.length; // MODE DATA LENGTH excludes itself
  header[2] = DEVICE_SPECIFIC_DPOFUA;
  header[3] = descriptor.length;
  return Buffer.concat([header, descriptor, pages]);
};

export const modeSense10: CommandRun = (unit, cdb) => {
  const long = (cdb[1]! & LLBAA) !== 0;
  const { descriptor, pages } = modeParameters(unit, cdb, long);
  const header = Buffer.alloc(8);
  header.writeUInt16BE(6 + descriptor.length + pages.length, 0);
  header[3] = DEVICE_SPECIFIC_DPOFUA;
  header[4] = long && descriptor.length ? 0x01 : 0; // LONGLBA
  header.writeUInt16BE(descriptor.length, 6);
  return Buffer.concat([header, descriptor, pages]);
};

export const modeSense6AllocationLength = (cdb: Uint8Array): number => cdb[4]!;
export const modeSense10AllocationLength = (cdb: Uint8Array): number => u16(cdb, 7);
