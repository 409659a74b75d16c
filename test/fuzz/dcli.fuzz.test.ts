import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteWord, tokenize } from '../../src-main/pool/guest/dcli/tokenize';
import { type GuestPool, openGuestPool } from '../pool/guest/fixture';

const VOCABULARY = [
  'dcli',
  'vxfenconfig',
  '-c',
  'help',
  'lun',
  'list',
  'show',
  'rescan',
  'app',
  'snapshot',
  'create',
  'delete',
  'restore',
  'schedule',
  'remove',
  'io',
  'write',
  'verify',
  'read',
  'scsi',
  'fence',
  'start',
  'lab',
  'vss',
  'lun0',
  'lun1',
  'lun9',
  'SG1',
  'nope',
  '--json',
  '--name',
  '--offset',
  '--length',
  '--seed',
  '--every',
  '--keep',
  '--alloc',
  '--raw',
  '--veto',
  '--provider-delay',
  '--clear',
  '--crash-consistent',
  '--offline-app',
  '--',
  '-h',
  '--help',
  '0',
  '512',
  '4k',
  '1M',
  '7',
  '12',
  '00',
  '24',
  '5f',
  'zz',
  '30s',
  '-1',
  '"',
  "'",
  '\\',
  '=',
  '--name=x',
  'lun1"',
  "''",
  '""',
  '0:0:0:1',
];

const word = fc.oneof(fc.constantFrom(...VOCABULARY), fc.string({ maxLength: 6 }));
const tokenLine = fc.array(word, { maxLength: 9 }).map((ws) => ws.join(' '));
const mutatedLine = fc
  .tuple(tokenLine, fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 4 }))
  .map(([l, at, junk]) => l.slice(0, at) + junk + l.slice(at));
const anyLine = fc.oneof(
  tokenLine,
  mutatedLine,
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('the DCLI line parser under random input', () => {
  let pool: GuestPool;
  beforeAll(async () => {
    pool = await openGuestPool();
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('random lines never throw: always an integer exit code and a string, and a wrong line is never exit 0 with usage text', async () => {
    await fc.assert(
      fc.asyncProperty(anyLine, fc.constantFrom('g1', 'g2'), async (line, guest) => {
        const r = await pool.dcli(guest, line);
        expect(Number.isInteger(r.exitCode)).toBe(true);
        expect(typeof r.output).toBe('string');
        if (r.exitCode === 2) expect(r.output).toMatch(/^(dcli: |Usage: vxfenconfig)/);
        const c = pool.host(guest).complete(line);
        expect(Array.isArray(c.candidates)).toBe(true);
        expect(c.replaceFrom).toBeGreaterThanOrEqual(0);
        expect(c.replaceFrom).toBeLessThanOrEqual(line.length);
      }),
      { numRuns: 250 },
    );
    // Whatever the fuzz started, stop it: schedules must not keep firing into other tests.
    for (const s of pool.host('g1').scheduler.list()) await pool.dcli('g1', `dcli schedule remove ${s.id}`);
    for (const s of pool.host('g2').scheduler.list()) await pool.dcli('g2', `dcli schedule remove ${s.id}`);
  });

  it('quoting any words and tokenizing the line gives the same words back', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 8 }), (words) => {
        const t = tokenize(words.map(quoteWord).join(' '));
        expect(t.ok).toBe(true);
        if (t.ok) expect(t.tokens.map((x) => x.text)).toEqual(words);
      }),
      { numRuns: 2000 },
    );
  });
});
