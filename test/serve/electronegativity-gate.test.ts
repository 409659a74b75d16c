import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allowReason,
  type Finding,
  findingsFromSarif,
  judge,
  NO_FILE,
  traceToSource,
} from '../../scripts/electronegativity-gate';

const sarif = (results: unknown[]) =>
  JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { rules: [] } }, results }] });
const result = (ruleId: string, uri: string, startLine: number) => ({
  ruleId,
  level: 'warning',
  message: { text: `${ruleId} message` },
  locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine, startColumn: 1 } } }],
});

describe('the electronegativity gate', () => {
  it('reads findings from the SARIF report, resolving relative paths against the scanned folder', () => {
    const findings = findingsFromSarif(
      sarif([result('SANDBOX_JS_CHECK', 'window.ts', 12), result('CSP_GLOBAL_CHECK', 'file:///', 0)]),
      '/repo/src-main/app',
    );
    expect(findings).toEqual([
      {
        rule: 'SANDBOX_JS_CHECK',
        level: 'warning',
        message: 'SANDBOX_JS_CHECK message',
        file: '/repo/src-main/app/window.ts',
        line: 12,
        source: null,
      },
      {
        rule: 'CSP_GLOBAL_CHECK',
        level: 'warning',
        message: 'CSP_GLOBAL_CHECK message',
        file: NO_FILE,
        line: 0,
        source: null,
      },
    ]);
  });

  it('accepts an allow comment on the line or in the comment block just above, for that check only', () => {
    const lines = [
      'const a = 1;',
      '  // electronegativity-allow: PRELOAD_JS_CHECK the preload exposes only the bridge',
      '  // a second comment line',
      '  preload: p,',
      '  sandbox: false, // electronegativity-allow: SANDBOX_JS_CHECK test fixture only',
      '  // electronegativity-allow: OPEN_EXTERNAL_JS_CHECK reason',
      '  const x = 2;',
      '  shell.openExternal(url);',
    ];
    expect(allowReason(lines, 4, 'PRELOAD_JS_CHECK')).toBe('the preload exposes only the bridge');
    expect(allowReason(lines, 4, 'SANDBOX_JS_CHECK')).toBeNull();
    expect(allowReason(lines, 5, 'SANDBOX_JS_CHECK')).toBe('test fixture only');
    // A code line between the comment and the finding breaks the link.
    expect(allowReason(lines, 8, 'OPEN_EXTERNAL_JS_CHECK')).toBeNull();
    expect(allowReason(['// electronegativity-allow: X_CHECK', 'x();'], 2, 'X_CHECK')).toBeNull();
  });

  it('fails findings without a reason, and global findings that name no file', () => {
    const files: Record<string, string[]> = {
      '/r/a.ts': [
        '// electronegativity-allow: PRELOAD_JS_CHECK reviewed bridge',
        'preload: p,',
        'sandbox: false,',
      ],
    };
    const finding = (rule: string, file: string, line: number): Finding => ({
      rule,
      level: 'warning',
      message: rule,
      file,
      line,
      source: null,
    });
    const verdicts = judge(
      [
        finding('PRELOAD_JS_CHECK', '/r/a.ts', 2),
        finding('SANDBOX_JS_CHECK', '/r/a.ts', 3),
        finding('CSP_GLOBAL_CHECK', NO_FILE, 1),
      ],
      (f) => files[f] ?? null,
    );
    expect(verdicts.map((v) => v.allowedBy)).toEqual(['reviewed bridge', null, null]);
  });

  it('traces a bundle line to its TypeScript line through the source map', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdc-gate-'));
    try {
      // Generated line 2 column 2 comes from line 5 (0-based 4) of ../src/window.ts: mapping "EAIA" on line 2.
      writeFileSync(path.join(dir, 'index.js'), 'var a;\n  preload: p\n');
      writeFileSync(
        path.join(dir, 'index.js.map'),
        JSON.stringify({
          version: 3,
          file: 'index.js',
          sources: ['../src/window.ts'],
          names: [],
          mappings: ';EAIA',
        }),
      );
      expect(traceToSource(path.join(dir, 'index.js'), 2)).toEqual({
        file: path.resolve(dir, '../src/window.ts'),
        line: 5,
      });
      expect(traceToSource(path.join(dir, 'missing.js'), 2)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
