/**
 * Random calls of the one API for the UI-transport fuzzers (WebSocket, IPC): op names (real,
 * near-miss and hostile), inputs shaped like each operation's (real ids of the demo pool,
 * hostile values in their fields) and plain random JSON, and a check that a reply is a
 * well-formed CallOutcome.
 *
 * openLab and saveLabAs are left out: a fuzz case must not move the lab to a random folder
 * (or create folders in the working directory) under the rest of the run.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { opNames } from '../../src-main/api/contract';

export const SAFE_OPS = opNames.filter((op) => op !== 'openLab' && op !== 'saveLabAs');

export const opName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SAFE_OPS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      'getpool',
      'GETPOOL',
      'getPool ',
      'dcli\u0000',
      'x'.repeat(5000),
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })) },
);

const id = fc.oneof(
  fc.constantFrom('g1', 'g4', 'g6', 'h1', 'h2', 'h3', 'd1', 'd3', 'central', 'console', 'vol-exch01-db'),
  fc.constantFrom('', 'nope', '../etc', 'g1/../../h1', '%00', 'a'.repeat(300), '\u202e'),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 1 }),
);

const dcliLine = fc.oneof(
  fc.constantFrom(
    'dcli lun list',
    'dcli snapshot list',
    'dcli help',
    'dcli snapshot create lun0 --name fuzz',
    'dcli io read 0 --offset 0 --length 4096',
    'dcli',
    '',
    '"unterminated',
    'dcli io write 0 --offset -1 --length 1e309',
    '\u0000\u0000',
  ),
  fc.string({ maxLength: 80 }),
);

/** An input object for one of the operations, with hostile values sprinkled in its fields. */
const shapedInput = fc.oneof(
  fc.record({ guestId: id, line: dcliLine }),
  fc.record({ guestId: id, to: id }),
  fc.record({ jobId: id }),
  fc.record({
    kind: fc.oneof(
      fc.constantFrom('host-crash', 'host-restore', 'partition', 'heal', 'disk-fail', 'disk-restore'),
      fc.string({ maxLength: 12 }),
    ),
    target: id,
  }),
  fc.record({
    speed: fc.oneof(
      fc.constantFrom(0, 1, 100, 10_000, 10_001, -1, Number.POSITIVE_INFINITY, Number.NaN, 1e-300),
      fc.double(),
      fc.string({ maxLength: 5 }),
    ),
  }),
  fc.record(
    {
      after: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 })),
      limit: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double()),
      kind: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  ),
  fc.record({
    user: fc.constantFrom('admin', 'operator', '', 'x'.repeat(65)),
    password: fc.string({ maxLength: 20 }),
  }),
  fc.record({ guestId: id, script: fc.string({ maxLength: 30 }), args: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constant({}),
);

export const callInput = fc.oneof(
  { weight: 5, arbitrary: shapedInput },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      null,
      [],
      '',
      0,
      { __proto__: { admin: true } },
      { constructor: 1 },
    ),
  },
);

const realId = fc.constantFrom('g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'h1', 'h2', 'h3', 'nope');

/**
 * An op with an input of its own shape and mostly real ids: these get past validation and
 * reach the pool (dcli in a guest, a migration, a fault, a script), where the service's own
 * refusals (ERR_NOT_FOUND, ERR_CONFLICT, ERR_HOST_DOWN, ...) live.
 */
export const matchedCall: fc.Arbitrary<{ op: string; input: unknown }> = fc.oneof(
  fc.record({
    op: fc.constantFrom('dcli', 'dcliComplete'),
    input: fc.record({ guestId: realId, line: dcliLine }),
  }),
  fc.record({
    op: fc.constantFrom('checkMigration', 'migrate'),
    input: fc.record({ guestId: realId, to: realId }),
  }),
  fc.record({
    op: fc.constant('fault'),
    input: fc.record({
      kind: fc.constantFrom('host-crash', 'host-restore', 'partition', 'heal', 'disk-fail', 'disk-restore'),
      target: fc.constantFrom('g1', 'g5', 'h2', 'h3', 'd2', 'd4', 'central', 'nope'),
    }),
  }),
  fc.record({
    op: fc.constant('runScript'),
    input: fc.record({
      guestId: realId,
      script: fc.constantFrom('rescan-luns', 'quiesce-app', 'unquiesce-app', 'collect-logs', 'rm-rf'),
      args: fc.dictionary(fc.constantFrom('app', 'lun', 'x'), fc.string({ maxLength: 10 }), { maxKeys: 2 }),
    }),
  }),
  fc.record({
    op: fc.constant('getJob'),
    input: fc.record({ jobId: fc.constantFrom('job-1', 'mig-1', 'nope') }),
  }),
  fc.record({
    op: fc.constant('events'),
    input: fc.record(
      {
        after: fc.nat(500),
        limit: fc.integer({ min: 1, max: 50 }),
        kind: fc.constantFrom('fault.host-crash', 'x'),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    op: fc.constantFrom('getPool', 'listJobs', 'invariants', 'labInfo', 'saveLab'),
    input: fc.constant({}),
  }),
  fc.record({
    op: fc.constant('login'),
    input: fc.record({ user: fc.constantFrom('admin', 'nobody'), password: fc.string({ maxLength: 12 }) }),
  }),
);

/** Any call: matched to its op half the time, otherwise any op name with any input. */
export const anyCall: fc.Arbitrary<{ op: unknown; input: unknown }> = fc.oneof(
  matchedCall,
  fc.record({ op: opName, input: callInput }),
);

/** Asserts `reply` is a CallOutcome: a value, or an error with an ERR_ code and a sentence. */
export function expectCallOutcome(reply: unknown, context: string): 'ok' | 'error' {
  expect(typeof reply, context).toBe('object');
  expect(reply, context).not.toBeNull();
  const r = reply as { ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok === true) {
    expect(Object.hasOwn(r, 'value'), context).toBe(true);
    return 'ok';
  }
  expect(r.ok, context).toBe(false);
  expect(r.error?.code, context).toEqual(expect.stringMatching(/^ERR_[A-Z_]+$/));
  expect(typeof r.error?.message, context).toBe('string');
  expect(String(r.error?.message).length, context).toBeGreaterThan(0);
  return 'error';
}

/** XDC_FUZZ_RUNS overrides a property's bounded CI budget. */
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.XDC_FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : ciDefault;
}
