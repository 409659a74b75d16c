/**
 * Fuzzing the LUN layer with CDBs: random bytes, and valid CDBs with bits flipped, truncated,
 * extended, or given another opcode, sent to present and missing LUNs, with and without data-out,
 * while the backend sometimes fails. The LUN must never throw and must always answer GOOD or
 * CHECK CONDITION with well-formed 18-byte fixed-format sense.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XdcError, type XdcErrorCode } from '../../src-main/pool/errors';
import type { ScsiResult } from '../../src-main/pool/scsi/index';
import {
  describeCdb,
  describeSense,
  ScsiStatus,
  ScsiTarget,
  VirtualLun,
} from '../../src-main/pool/scsi/index';
import { cdb, MemoryLunBackend } from '../pool/scsi/helpers';

const VALID_SENSE_KEYS = new Set([0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xd, 0xe, 0xf]);

function wellFormed(r: ScsiResult): string | null {
  if (r.status === ScsiStatus.GOOD) {
    if (r.sense !== null) return 'GOOD with sense';
    if (!Buffer.isBuffer(r.data)) return 'data is not a Buffer';
    if (r.residual !== undefined && !(Number.isInteger(r.residual) && r.residual >= 0)) return 'bad residual';
    return null;
  }
  if (r.status !== ScsiStatus.CHECK_CONDITION) return `status ${r.status}`;
  const s = r.sense;
  if (s === null || s.length !== 18) return 'sense is not 18 bytes';
  if ((s[0]! & 0x7f) !== 0x70) return `response code ${s[0]}`;
  if (!VALID_SENSE_KEYS.has(s[2]! & 0x0f) || s[2]! & 0xf0) return `sense key byte ${s[2]}`;
  if (s[7] !== 10) return `additional length ${s[7]}`;
  if (r.data.length !== 0) return 'data with CHECK CONDITION';
  return null;
}

const FAILURES: (XdcErrorCode | 'plain')[] = [
  'ERR_NOT_OWNER',
  'ERR_IO',
  'ERR_NO_SPACE',
  'ERR_HOST_DOWN',
  'ERR_TIMEOUT',
  'plain',
];

/** A 512 GiB LUN whose blocks read as zeros and whose writes are dropped: LBAs past 32 bits. */
function hugeBackend(): MemoryLunBackend {
  const backend = new MemoryLunBackend(1, 'huge');
  backend.capacityBlocks = () => 2 ** 40;
  backend.read = async (_lba, blocks) => Buffer.alloc(blocks * 512);
  backend.write = async () => {};
  return backend;
}

/** LUN 0: 64 blocks, LUN 1: 300 blocks, LUN 2: 2^40 blocks, LUN 3: none. */
function hba(): { target: ScsiTarget; backends: MemoryLunBackend[] } {
  const backends = [new MemoryLunBackend(64, 'f0'), new MemoryLunBackend(300, 'f1'), hugeBackend()];
  const target = new ScsiTarget();
  backends.forEach((b, i) => {
    target.attach(i, new VirtualLun(b));
  });
  return { target, backends };
}

const validCdbs: Uint8Array[] = [
  cdb.testUnitReady(),
  cdb.requestSense(),
  cdb.inquiry(),
  cdb.inquiry(255, 0x83),
  cdb.inquiry(255, 0xb0),
  cdb.read6(1, 2),
  cdb.write6(1, 2),
  cdb.read10(10, 4),
  cdb.write10(10, 4, 0x08),
  cdb.read16(20, 8),
  cdb.write16(20, 8),
  cdb.readCapacity10(),
  cdb.readCapacity16(),
  cdb.synchronizeCache10(),
  cdb.synchronizeCache16(),
  cdb.modeSense6(0x3f),
  cdb.modeSense10(0x08, { llbaa: true }),
  cdb.reportLuns(),
  cdb.rsoc(0),
  cdb.rsoc(1, 0x28),
  cdb.rsoc(2, 0x9e, 0x10),
  Uint8Array.of(0x5f, 0x00, 0, 0, 0, 0, 0, 0, 24, 0),
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; to: number }
  | { kind: 'extend'; bytes: number[] }
  | { kind: 'opcode'; op: number }
  | { kind: 'set'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(31), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), to: fc.nat(16) }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.array(fc.nat(255), { maxLength: 16 }) }),
  fc.record({ kind: fc.constant('opcode' as const), op: fc.nat(255) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(31),
    value: fc.constantFrom(0, 0xff, 0x80, 0x01, 0x7f),
  }),
);

function mutate(base: Uint8Array, ms: Mutation[]): Uint8Array {
  let c = Uint8Array.from(base);
  for (const m of ms) {
    if (m.kind === 'truncate') c = c.subarray(0, Math.min(m.to, c.length));
    else if (m.kind === 'extend') c = Uint8Array.from([...c, ...m.bytes].slice(0, 32));
    else if (m.kind === 'opcode' && c.length > 0) c[0] = m.op;
    else if (m.kind === 'flip' && m.at < c.length) c[m.at]! ^= 1 << m.bit;
    else if (m.kind === 'set' && m.at < c.length) c[m.at] = m.value;
  }
  return c;
}

const dataOut = fc.option(
  fc.oneof(
    fc.nat(2048).map((n) => Buffer.alloc(n, 0x5a)),
    fc.nat(16).map((blocks) => Buffer.alloc(blocks * 512, 0xa5)),
  ),
  { nil: undefined },
);

const failure = fc.option(
  fc.record({
    lun: fc.nat(1),
    op: fc.constantFrom('read', 'write', 'flush') as fc.Arbitrary<'read' | 'write' | 'flush'>,
    code: fc.constantFrom(...FAILURES),
  }),
  {
    nil: undefined,
  },
);

async function runOne(
  target: ScsiTarget,
  backends: MemoryLunBackend[],
  lun: number,
  c: Uint8Array,
  out: Buffer | undefined,
  fail: { lun: number; op: 'read' | 'write' | 'flush'; code: XdcErrorCode | 'plain' } | undefined,
  allocationLength?: number,
): Promise<void> {
  if (fail)
    backends[fail.lun]!.failNext(
      fail.op,
      fail.code === 'plain' ? new Error('boom') : new XdcError(fail.code, 'fuzz'),
    );
  let r: ScsiResult;
  try {
    r = await target.execute(lun, c, out, allocationLength === undefined ? undefined : { allocationLength });
  } catch (e) {
    throw new Error(`execute threw on ${Buffer.from(c).toString('hex')}: ${String(e)}`);
  }
  for (const b of backends) b.clearFailures();
  const problem = wellFormed(r);
  // An internal fault (a RangeError, a bad index) would surface as HARDWARE ERROR: only an injected
  // backend failure may cause one.
  if (!fail) expect(r.sense?.[2], `${describeCdb(c)} ${Buffer.from(c).toString('hex')}`).not.toBe(0x04);
  expect(
    problem,
    `${describeCdb(c)} ${Buffer.from(c).toString('hex')} -> ${describeSense(r.sense)}`,
  ).toBeNull();
  if (allocationLength !== undefined) expect(r.data.length).toBeLessThanOrEqual(allocationLength);
}

describe('CDB fuzzing: the LUN layer never throws and always answers with valid status and sense', () => {
  it('random bytes of random length up to 32', async () => {
    const { target, backends } = hba();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 32 }),
        fc.nat(3),
        dataOut,
        failure,
        fc.option(fc.nat(300), { nil: undefined }),
        async (c, lun, out, fail, alloc) => runOne(target, backends, lun, c, out, fail, alloc),
      ),
      { numRuns: 2500 },
    );
  });

  it('valid CDBs with bits flipped, truncated, extended or given another opcode', async () => {
    const { target, backends } = hba();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...validCdbs),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.nat(3),
        dataOut,
        failure,
        async (base, ms, lun, out, fail) => runOne(target, backends, lun, mutate(base, ms), out, fail),
      ),
      { numRuns: 3000 },
    );
  });

  it('random opcodes with plausible lengths', async () => {
    const { target, backends } = hba();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(255),
        fc.constantFrom(6, 10, 12, 16),
        fc.uint8Array({ minLength: 15, maxLength: 15 }),
        fc.nat(3),
        dataOut,
        async (op, length, rest, lun, out) =>
          runOne(target, backends, lun, Uint8Array.from([op, ...rest]).subarray(0, length), out, undefined),
      ),
      { numRuns: 1500 },
    );
  });
});
