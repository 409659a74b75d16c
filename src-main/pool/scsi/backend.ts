/**
 * The contract between a virtual LUN and the storage behind it (the volume client implements it
 * for a VDI), and the identity a LUN shows the guest: INQUIRY strings, unit serial number (VPD
 * 0x80) and NAA designator (VPD 0x83), derived once from the pool and VDI ids so they stay the
 * same across reattach, migration and lab reopen.
 */
import { createHash } from 'node:crypto';

export interface LunIdentity {
  /** Stable id of the VDI behind the LUN. */
  vdiId: string;
  /** Unit serial number (VPD 0x80), printable ASCII, stable per VDI. */
  serial: string;
  /** 16-byte NAA-6 IEEE Registered Extended identifier, stable per VDI (VPD 0x83). */
  naa: Buffer;
  /** INQUIRY VENDOR IDENTIFICATION (8), PRODUCT IDENTIFICATION (16), PRODUCT REVISION LEVEL (4). */
  vendor: string;
  product: string;
  revision: string;
}

/** What a LUN needs from storage. Implementations throw XdcError; the LUN maps it to sense. */
export interface LunBackend {
  /** Logical block length in bytes (512). */
  readonly blockSize: number;
  /** Current capacity; when it changes (vdi_resize) the LUN raises UNIT ATTENTION 2A/09 once. */
  capacityBlocks(): number;
  /**
   * Resolves with exactly blocks * blockSize bytes. `into`, when given, is the initiator's data-in
   * memory of exactly that length: a backend may read into it and resolve with it (no allocation on
   * the data path), or ignore it and resolve with a buffer of its own.
   */
  read(lba: number, blocks: number, into?: Buffer): Promise<Buffer>;
  /** `data.length` is a whole number of blocks. */
  write(lba: number, data: Buffer): Promise<void>;
  flush(): Promise<void>;
  identity(): LunIdentity;
}

export const LUN_VENDOR = 'SYMANTEC';
export const LUN_PRODUCT = 'XDC VDISK';
export const LUN_REVISION = '1.0';

/**
 * The IEEE company id in our NAA-6 names. It is a locally chosen value, not a registered OUI: the
 * X (local) bit of its first octet is set and the M bit clear, the layout IEEE uses for CIDs, so it
 * cannot collide with a real vendor's OUI. "5DC" is a nod to XDC.
 */
export const XDC_LAB_COMPANY_ID = 0x0a5dc0;

/**
 * The identity of the LUN backed by `vdiId` in pool `poolId`: NAA-6 = 0x6, company id (24 bits),
 * then 100 bits of SHA-256(pool, vdi) as vendor-specific id (36) and extension (64); the serial is
 * 'XDC' and 17 upper-case hex digits of the same hash.
 */
export function lunIdentityFor(poolId: string, vdiId: string): LunIdentity {
  const hash = createHash('sha256').update(poolId).update('\0').update(vdiId).digest();
  const naa = Buffer.alloc(16);
  const cid = XDC_LAB_COMPANY_ID;
  naa[0] = 0x60 | ((cid >> 20) & 0x0f);
  naa[1] = (cid >> 12) & 0xff;
  naa[2] = (cid >> 4) & 0xff;
  naa[3] = ((cid & 0x0f) << 4) | (hash[0]! & 0x0f);
  hash.copy(naa, 4, 1, 13);
  return {
    vdiId,
    serial: `XDC${hash.toString('hex', 13, 22).slice(0, 17).toUpperCase()}`,
    naa,
    vendor: LUN_VENDOR,
    product: LUN_PRODUCT,
    revision: LUN_REVISION,
  };
}
