import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_REQUEST_ID, parseWireRequest } from '../../src-main/serve/wire-parse';

describe('parsing what a browser tab sends on the WebSocket', () => {
  it('accepts a well-formed call and defaults a missing input to {}', () => {
    expect(parseWireRequest('{"type":"call","id":3,"op":"getPool","input":{}}')).toEqual({
      ok: true,
      request: { type: 'call', id: 3, op: 'getPool', input: {} },
    });
    expect(parseWireRequest('{"type":"call","id":0,"op":"labInfo"}')).toEqual({
      ok: true,
      request: { type: 'call', id: 0, op: 'labInfo', input: {} },
    });
  });

  it('names what is wrong and echoes a usable id', () => {
    expect(parseWireRequest('{"type":"call","id":9,"op":"toString"}')).toEqual({
      ok: false,
      id: 9,
      error: { code: 'ERR_BAD_REQUEST', message: 'unknown operation "toString"' },
    });
    expect(parseWireRequest('{"type":"call","id":-2,"op":"getPool"}')).toMatchObject({
      ok: false,
      id: NO_REQUEST_ID,
    });
    const long = parseWireRequest(JSON.stringify({ type: 'call', id: 1, op: 'x'.repeat(5000) }));
    expect(long.ok === false && long.error.message.length).toBeLessThan(100);
  });

  it('never throws and never accepts an unknown operation, whatever arrives (fuzz)', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc
        .record({
          type: fc.constantFrom('call', 'result', 1),
          id: fc.oneof(fc.integer(), fc.double(), fc.string()),
          op: fc.string(),
          input: fc.anything(),
        })
        .map((m) => JSON.stringify(m) ?? ''),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseWireRequest(text);
        if (parsed.ok) {
          expect(parsed.request.type).toBe('call');
          expect(Number.isSafeInteger(parsed.request.id)).toBe(true);
        } else {
          expect(parsed.error.code).toBe('ERR_BAD_REQUEST');
          expect(parsed.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
