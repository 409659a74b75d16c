/**
 * INQUIRY: standard data and the vital product data pages a guest's agentlets read to recognise
 * its LUNs (0x00 supported pages, 0x80 unit serial number, 0x83 device identification, 0xB0 block
 * limits, 0xB1 block device characteristics).
 */
import type { LunIdentity } from '../backend';
import { putAscii, u16 } from '../cdb';
import type { CommandRun, LogicalUnit } from '../command';
import { invalidCdbField } from '../sense';

export const VpdPage = {
  SUPPORTED_PAGES: 0x00,
  UNIT_SERIAL_NUMBER: 0x80,
  DEVICE_IDENTIFICATION: 0x83,
  BLOCK_LIMITS: 0xb0,
  BLOCK_DEVICE_CHARACTERISTICS: 0xb1,
} as const;

/** Largest READ/WRITE transfer, in blocks (VPD 0xB0 MAXIMUM TRANSFER LENGTH): 8 MiB of 512-byte blocks. */
export const MAX_TRANSFER_BLOCKS = 16384;
/** OPTIMAL TRANSFER LENGTH: 1 MiB. */
export const OPTIMAL_TRANSFER_BLOCKS = 2048;

const VERSION_SPC4 = 0x06;
const RESPONSE_DATA_FORMAT = 0x02;
const PERIPHERAL_DISK = 0x00;
/** Peripheral qualifier 011b, device type 1Fh: no logical unit at this LUN number. */
export const NO_LUN_PERIPHERAL = 0x7f;

/** SAM-5, SPC-4, SBC-3 version descriptors (bytes 58-63 of standard data). */
const VERSION_DESCRIPTORS = [0x00a0, 0x0460, 0x04c0];
export const STANDARD_INQUIRY_LENGTH = 74;

/** Standard INQUIRY data: 74 bytes (36 plus the version descriptors). */
export function standardInquiry(id: LunIdentity | null): Buffer {
  const d = Buffer.alloc(STANDARD_INQUIRY_LENGTH);
  d[0] = id ? PERIPHERAL_DISK : NO_LUN_PERIPHERAL;
  d[2] = VERSION_SPC4;
  d[3] = RESPONSE_DATA_FORMAT;
  d[4] = STANDARD_INQUIRY_LENGTH - 5;
  d[7] = 0x02; // CMDQUE: the LUN takes tagged commands
  putAscii(d, 8, 8, id?.vendor ?? '');
  putAscii(d, 16, 16, id?.product ?? '');
  putAscii(d, 32, 4, id?.revision ?? '');
  VERSION_DESCRIPTORS.forEach((v, i) => {
    d.writeUInt16BE(v, 58 + 2 * i);
  });
  return d;
}

function vpdHeader(page: number, length: number): Buffer {
  const d = Buffer.alloc(4 + length);
  d[1] = page;
  d.writeUInt16BE(length, 2);
  return d;
}

const SUPPORTED = [
  VpdPage.SUPPORTED_PAGES,
  VpdPage.UNIT_SERIAL_NUMBER,
  VpdPage.DEVICE_IDENTIFICATION,
  VpdPage.BLOCK_LIMITS,
  VpdPage.BLOCK_DEVICE_CHARACTERISTICS,
];

function supportedPages(): Buffer {
  const d = vpdHeader(VpdPage.SUPPORTED_PAGES, SUPPORTED.length);
  SUPPORTED.forEach((p, i) => {
    d[4 + i] = p;
  });
  return d;
}

function unitSerialNumber(id: LunIdentity): Buffer {
  const serial = Buffer.from(id.serial, 'latin1');
  const d = vpdHeader(VpdPage.UNIT_SERIAL_NUMBER, serial.length);
  serial.copy(d, 4);
  return d;
}

const CODE_SET_BINARY = 0x01;
const CODE_SET_ASCII = 0x02;
const ASSOCIATION_LU = 0x00;
const DESIGNATOR_T10_VENDOR_ID = 0x01;
const DESIGNATOR_NAA = 0x03;

function designator(codeSet: number, type: number, value: Buffer): Buffer {
  const d = Buffer.alloc(4 + value.length);
  d[0] = codeSet; // PROTOCOL IDENTIFIER 0 (PIV=0: not meaningful)
  d[1] = (ASSOCIATION_LU << 4) | type;
  d[3] = value.length;
  value.copy(d, 4);
  return d;
}

/** Page 0x83: the NAA-6 designator, then a T10 vendor id designator (vendor, then serial). */
function deviceIdentification(id: LunIdentity): Buffer {
  const t10 = Buffer.alloc(8 + id.serial.length);
  putAscii(t10, 0, 8, id.vendor);
  t10.write(id.serial, 8, 'latin1');
  const list = Buffer.concat([
    designator(CODE_SET_BINARY, DESIGNATOR_NAA, id.naa.subarray(0, 16)),
    designator(CODE_SET_ASCII, DESIGNATOR_T10_VENDOR_ID, t10),
  ]);
  const d = vpdHeader(VpdPage.DEVICE_IDENTIFICATION, list.length);
  list.copy(d, 4);
  return d;
}

/** Page 0xB0 (SBC-3): transfer limits; no UNMAP, no WRITE SAME, no COMPARE AND WRITE. */
function blockLimits(): Buffer {
  const d = vpdHeader(VpdPage.BLOCK_LIMITS, 0x3c);
  d.writeUInt16BE(1, 6); // OPTIMAL TRANSFER LENGTH GRANULARITY
  d.writeUInt32BE(MAX_TRANSFER_BLOCKS, 8);
  d.writeUInt32BE(OPTIMAL_TRANSFER_BLOCKS, 12);
  return d;
}

/** Page 0xB1 (SBC-3): a non-rotating medium, form factor not reported. */
function blockDeviceCharacteristics(): Buffer {
  const d = vpdHeader(VpdPage.BLOCK_DEVICE_CHARACTERISTICS, 0x3c);
  d.writeUInt16BE(0x0001, 4); // MEDIUM ROTATION RATE: non-rotating medium
  return d;
}

export function vitalProductData(page: number, id: LunIdentity): Buffer | null {
  switch (page) {
    case VpdPage.SUPPORTED_PAGES:
      return supportedPages();
    case VpdPage.UNIT_SERIAL_NUMBER:
      return unitSerialNumber(id);
    case VpdPage.DEVICE_IDENTIFICATION:
      return deviceIdentification(id);
    case VpdPage.BLOCK_LIMITS:
      return blockLimits();
    case VpdPage.BLOCK_DEVICE_CHARACTERISTICS:
      return blockDeviceCharacteristics();
    default:
      return null;
  }
}

export const inquiryAllocationLength = (cdb: Uint8Array): number => u16(cdb, 3);

export const inquiry: CommandRun = (unit: LogicalUnit, cdb: Uint8Array): Buffer => {
  const evpd = (cdb[1]! & 0x01) !== 0;
  const page = cdb[2]!;
  if (!evpd) {
    if (page !== 0) throw invalidCdbField(2);
    return standardInquiry(unit.backend.identity());
  }
  const data = vitalProductData(page, unit.backend.identity());
  if (!data) throw invalidCdbField(2);
  return data;
};
