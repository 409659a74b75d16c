/**
 * Damaged lab files: random byte edits of lab.json, storage/metadata.json and
 * storage/metadata.journal of a saved lab, plus structured damage to lab.json (a field set to a
 * hostile JSON value or removed). Opening either works (the damage was harmless or a torn
 * journal tail) or fails with ERR_LAB_CORRUPT / ERR_LAB_IO naming the damaged file: never a
 * crash of another kind, never a hang, never a silent reset.
 *
 * Runs by default with a bounded budget (~400 cases); XDC_FUZZ_RUNS=<n> scales every property
 * so the whole file runs about n cases in total.
 *
 * Each case gets its own copy of the lab through copyLab, which keeps the 8 GiB disk images
 * sparse: a plain fs.cpSync wrote 32 GiB of zeros per case, synchronously (see
 * copyLabFolder in src-main/api/labs.ts and lab-files.regression.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLabFolder as copyLab } from '../../src-main/api/labs';
import { demoLabSpec } from '../../src-main/pool/demo';
import { VirtualClock } from '../../src-main/pool/net/clock';
import { Pool } from '../../src-main/pool/pool';
import { openTestPool, TEST_AUTH } from '../support/pool-fixture';

const DEFAULT_TOTAL = 400;
const scale = process.env.XDC_FUZZ_RUNS ? Number(process.env.XDC_FUZZ_RUNS) / DEFAULT_TOTAL : 1;
const runs = (n: number) => Math.max(3, Math.round(n * scale));

let base: string;
let pristineLab: unknown;
beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'xdc-fuzz-lab-'));
  const t = await openTestPool({ dir: join(base, 'lab') });
  const made = await t.clock.run(
    t.pool.dcli('g4', 'dcli snapshot create lun0 --name s1', { principal: 'user:admin', role: 'admin' }),
  );
  if (made.exitCode !== 0) throw new Error(made.output);
  await t.pool.close();
  pristineLab = JSON.parse(readFileSync(join(base, 'lab', 'lab.json'), 'utf8'));
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;

/** Opens a copy of the saved lab with `rel` replaced by `bytes`; asserts the one allowed outcome. */
async function openDamaged(rel: string, bytes: Buffer): Promise<'opened' | 'refused'> {
  const dir = join(base, `case-${n++}`);
  copyLab(join(base, 'lab'), dir);
  const f = join(dir, rel);
  writeFileSync(f, bytes);
  try {
    const p = await Pool.open({
      labDir: dir,
      clock: new VirtualClock(),
      spec: demoLabSpec(),
      auth: TEST_AUTH,
    });
    try {
      // Opened: it must be the same lab (not a fresh one), with its snapshot.
      expect(
        p.view().volumes.some((v) => v.snapshots.length > 0) || rel === 'storage/metadata.journal',
        `${rel} damage opened a lab without the saved snapshot`,
      ).toBe(true);
    } finally {
      await p.close({ save: false });
    }
    return 'opened';
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === undefined) throw e;
    expect(`${err.code}: ${err.message}`).toMatch(/^ERR_LAB_CORRUPT|^ERR_LAB_IO/);
    expect(err.message).toContain(f);
    return 'refused';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const byteDamage = fc.record({
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  cut: fc.option(fc.nat()),
});

function damageBytes(original: Buffer, d: { edits: [number, number][]; cut: number | null }): Buffer {
  let bytes = Buffer.from(original.length === 0 ? Buffer.from('x') : original);
  for (const [at, v] of d.edits) bytes[at % bytes.length] = v;
  if (d.cut !== null) bytes = bytes.subarray(0, d.cut % (bytes.length + 1));
  return bytes;
}

/** Every path into a JSON document (objects and arrays), the root excluded. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  const children: [string | number, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : v !== null && typeof v === 'object'
      ? Object.entries(v)
      : [];
  for (const [k, x] of children) {
    out.push([...at, k]);
    paths(x, [...at, k], out);
  }
  return out;
}

/** Values a damaged or hand-edited lab.json could hold where a field was. */
const hostile = fc.oneof(
  fc.constantFrom(
    1e308,
    -1,
    0,
    0.5,
    2 ** 53 + 2,
    1e20,
    256,
    -0,
    '',
    'h1',
    'g1',
    'd1',
    'vol-exch01-db',
    'x'.repeat(10_000),
    null,
    true,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const describeDamage = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'duplicate'),
  value: hostile,
});

function damageStructure(json: unknown, d: { pick: number; op: string; value: unknown }): string {
  const doc = structuredClone(json) as Record<string | number, unknown>;
  const all = paths(doc);
  const path = all[d.pick % all.length]!;
  let parent = doc;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (d.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (d.op === 'duplicate' && Array.isArray(parent))
    parent.push(structuredClone(parent[key as number]));
  else parent[key] = d.value;
  return JSON.stringify(doc, null, 2);
}

describe('damaged lab files', () => {
  const budgets: Record<string, number> = {
    'lab.json': runs(150),
    'storage/metadata.json': runs(60),
    'storage/metadata.journal': runs(60),
  };
  for (const [rel, numRuns] of Object.entries(budgets)) {
    it(`random byte damage to ${rel} opens or is refused naming it (${numRuns} cases)`, async () => {
      const original = readFileSync(join(base, 'lab', rel));
      const seen = { opened: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(byteDamage, async (d) => {
          seen[await openDamaged(rel, damageBytes(original, d))]++;
        }),
        { numRuns, timeout: 15_000 },
      );
      expect(seen.opened + seen.refused).toBeGreaterThanOrEqual(numRuns);
    }, 120_000);
  }

  it(`a field of lab.json set to a hostile value, removed or duplicated opens or is refused naming lab.json (${runs(130)} cases)`, async () => {
    const seen = { opened: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(describeDamage, async (d) => {
        seen[await openDamaged('lab.json', Buffer.from(damageStructure(pristineLab, d)))]++;
      }),
      { numRuns: runs(130), timeout: 15_000 },
    );
    // Both outcomes must actually happen, or the generator has stopped exercising one of them.
    expect(seen.opened).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 120_000);
});
