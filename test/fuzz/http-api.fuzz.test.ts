/**
 * Bad input to the HTTP API of a real pool (real HTTP): random methods, paths built from the
 * route table with hostile segments, random headers and bodies. Zero crashes (the server keeps
 * answering), zero hangs (each request bounded), and every refusal is `{"error":{code,message}}`.
 * XDC_FUZZ_RUNS raises the budget (default 150).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootedLab, bootLab } from '../../src-main/api/boot';
import { httpRoutes } from '../../src-main/api/contract';
import { TEST_AUTH } from '../support/pool-fixture';

const RUNS = Number(process.env.XDC_FUZZ_RUNS ?? 150);
let lab: BootedLab;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'xdc-fuzz-http-'));
  process.env.XDC_LAB_HOME = join(root, 'home');
  lab = await bootLab({ labDir: join(root, 'lab'), auth: TEST_AUTH });
}, 60_000);
afterAll(async () => {
  await lab?.close();
  rmSync(root, { recursive: true, force: true });
});

// Routes that change the lab folder or the user's session are left out: the fuzz must not
// open another lab or log the token out from under itself.
const routes = httpRoutes.filter((r) => !/lab\/(open|save-as)/.test(r.path));
const segment = fc.oneof(
  fc.constantFrom(
    'g1',
    'g4',
    'h2',
    'central',
    'nope',
    '..',
    '%2e%2e',
    '%00',
    'a'.repeat(300),
    '%',
    '%ZZ',
    '',
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const body = fc.oneof(
  fc.json().map((j) => j),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '{"line":',
    '{"line":"dcli lun list"}',
    '{"to":"h2"}',
    '{"__proto__":{"x":1}}',
    '{"speed":1e309}',
  ),
);
const auth = fc.constantFrom<'good' | 'none' | 'garbage' | 'basic'>(
  'good',
  'good',
  'none',
  'garbage',
  'basic',
);

let cases = 0;
let refused = 0;
let internal = 0;

describe('the HTTP API under bad input', () => {
  it(`answers ${RUNS} random requests without crashing or hanging, each refusal a clear error`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { maxLength: 3 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        body,
        auth,
        fc.string({ maxLength: 30 }),
        async (route, segs, method, b, a, query) => {
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => segs[i++] ?? 'g1');
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (a === 'good') headers.authorization = `Bearer ${lab.adminToken}`;
          if (a === 'garbage') headers.authorization = 'Bearer x.y.z';
          if (a === 'basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
          const url = `${lab.apiUrl}${path}${query ? `?${encodeURIComponent(query)}=1` : ''}`;
          const res = await fetch(url, {
            method,
            headers,
            body: method === 'GET' ? undefined : b,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          cases++;
          if (res.status >= 400) {
            refused++;
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect(typeof parsed.error?.code, text).toBe('string');
            expect(String(parsed.error?.message ?? '').length, text).toBeGreaterThan(0);
            if (parsed.error?.code === 'ERR_INTERNAL') internal++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Still alive and well.
    const ok = await fetch(`${lab.apiUrl}/api/v1/pool`, {
      headers: { authorization: `Bearer ${lab.adminToken}` },
    });
    expect(ok.status).toBe(200);
    expect(lab.labs.current().invariants().ok).toBe(true);
    console.log(`http fuzz: ${cases} cases, ${refused} refused with an error body, ${internal} ERR_INTERNAL`);
  }, 120_000);
});
