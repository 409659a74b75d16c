/**
 * The Electron security gate: runs Doyensec's electronegativity over the shell's sources
 * (src-main/app) and, when built, the bundles Electron actually loads (out/main, out/preload),
 * and fails on any finding the code does not explain. electronegativity exits 0 whatever it
 * finds, so this script reads its SARIF report and decides.
 *
 * A finding is explained by a comment on its line, or in the comment lines just above it:
 *   // electronegativity-allow: CHECK_NAME why this is safe here
 * Findings in a bundle are traced through its source map to the TypeScript line, so the same
 * comment explains both. Usage: `tsx scripts/electronegativity-gate.ts [dir ...]`.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Finding {
  rule: string;
  level: string;
  message: string;
  /** Where electronegativity saw it (absolute). */
  file: string;
  line: number;
  /** Where it comes from in the sources, when the file is a bundle with a source map. */
  source: { file: string; line: number } | null;
}

export interface Verdict {
  finding: Finding;
  allowedBy: string | null;
}

/** Global findings ("no CSP anywhere") name no file: no comment can explain them. */
export const NO_FILE = '(no file)';

const ALLOW = /electronegativity-allow:\s*([A-Z0-9_]+)\s+(\S.{3,})/;

/** Reads one SARIF report; `inputDir` resolves the relative paths written with -r. */
export function findingsFromSarif(sarifText: string, inputDir: string): Finding[] {
  const sarif = JSON.parse(sarifText) as {
    runs?: Array<{ results?: Array<Record<string, unknown>> }>;
  };
  const findings: Finding[] = [];
  for (const run of sarif.runs ?? []) {
    for (const result of run.results ?? []) {
      const rule = typeof result.ruleId === 'string' ? result.ruleId : 'UNKNOWN_CHECK';
      const level = typeof result.level === 'string' ? result.level : 'warning';
      const message = (result.message as { text?: unknown } | undefined)?.text;
      const location = (
        result.locations as
          | Array<{
              physicalLocation?: { artifactLocation?: { uri?: unknown }; region?: { startLine?: unknown } };
            }>
          | undefined
      )?.[0]?.physicalLocation;
      const uri =
        typeof location?.artifactLocation?.uri === 'string' ? location.artifactLocation.uri : 'file:///';
      const line = typeof location?.region?.startLine === 'number' ? location.region.startLine : 1;
      const file =
        uri === 'file:///'
          ? NO_FILE
          : path.resolve(inputDir, uri.startsWith('file://') ? fileURLToPath(uri) : uri);
      findings.push({
        rule,
        level,
        message: typeof message === 'string' ? message : '',
        file,
        line,
        source: null,
      });
    }
  }
  return findings;
}

/** Traces a bundle line back to its TypeScript source through `<file>.map`, if there is one. */
export function traceToSource(file: string, line: number): { file: string; line: number } | null {
  const mapFile = `${file}.map`;
  if (!existsSync(mapFile)) return null;
  try {
    const payload = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload;
    const text = readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
    // Entries start at a token: try the first non-blank column of the line, then column 0.
    const columns = [text.length - text.trimStart().length, 0];
    const map = new SourceMap(payload);
    for (const column of columns) {
      const entry = map.findEntry(line - 1, column) as { originalSource?: string; originalLine?: number };
      if (entry.originalSource && typeof entry.originalLine === 'number') {
        const root = payload.sourceRoot
          ? path.resolve(path.dirname(mapFile), payload.sourceRoot)
          : path.dirname(mapFile);
        const source = entry.originalSource.startsWith('file://')
          ? fileURLToPath(entry.originalSource)
          : path.resolve(root, entry.originalSource);
        return { file: source, line: entry.originalLine + 1 };
      }
    }
  } catch {
    return null;
  }
  return null;
}

/** The reason given for `rule` on line `line` (1-based) or in the comment block just above it. */
export function allowReason(lines: readonly string[], line: number, rule: string): string | null {
  const match = (text: string | undefined): string | null => {
    const m = text === undefined ? null : ALLOW.exec(text);
    return m && m[1] === rule ? (m[2] as string).replace(/\s*\*\/\s*$/, '').trim() : null;
  };
  const own = match(lines[line - 1]);
  if (own) return own;
  for (let i = line - 2; i >= 0; i--) {
    const text = (lines[i] ?? '').trim();
    if (!(text.startsWith('//') || text.startsWith('/*') || text.startsWith('*'))) break;
    const reason = match(text);
    if (reason) return reason;
  }
  return null;
}

export function judge(findings: readonly Finding[], read: (file: string) => string[] | null): Verdict[] {
  return findings.map((finding) => {
    const places = [finding.source, { file: finding.file, line: finding.line }].filter((p) => p !== null);
    for (const place of places) {
      const lines = read(place.file);
      const reason = lines ? allowReason(lines, place.line, finding.rule) : null;
      if (reason) return { finding, allowedBy: reason };
    }
    return { finding, allowedBy: null };
  });
}

function runElectronegativity(inputDir: string, sarifFile: string, electronVersion: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [
      '--no-install',
      'electronegativity',
      '-i',
      inputDir,
      '-o',
      sarifFile,
      '-r',
      '-e',
      electronVersion,
    ];
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && existsSync(sarifFile)) resolve();
      else reject(new Error(`electronegativity failed on ${inputDir} (exit ${code}):\n${output.trim()}`));
    });
  });
}

/** One electronegativity run: a folder, and how to name its files in the report. */
interface Scan {
  dir: string;
  /** Staged copy -> real path (bundles are scanned together from a temporary folder). */
  realPath: (file: string) => string;
}

async function main(): Promise<number> {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const requested = process.argv.slice(2).map((dir) => path.resolve(projectRoot, dir));
  for (const dir of requested) if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  const electronVersion = (
    JSON.parse(readFileSync(path.join(projectRoot, 'node_modules/electron/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const work = mkdtempSync(path.join(os.tmpdir(), 'xdc-electronegativity-'));
  try {
    const scans: Scan[] = requested.map((dir) => ({ dir, realPath: (f) => f }));
    if (requested.length === 0) {
      scans.push({ dir: path.join(projectRoot, 'src-main/app'), realPath: (f) => f });
      // main and preload are one application: scanned apart, each would lack what the other holds
      // (the preload has no CSP or navigation guards), so their bundles are staged side by side.
      const bundles = ['main', 'preload'].filter((name) => existsSync(path.join(projectRoot, 'out', name)));
      if (bundles.length === 0)
        console.log(
          'electronegativity gate: out/main and out/preload are not built; scanning the sources only',
        );
      else {
        const staged = path.join(work, 'out');
        for (const name of bundles)
          cpSync(path.join(projectRoot, 'out', name), path.join(staged, name), { recursive: true });
        scans.push({ dir: staged, realPath: (f) => path.join(projectRoot, 'out', path.relative(staged, f)) });
      }
    }
    // Runs in parallel: each spends most of its time failing to reach the network (translations, release list).
    const reports = await Promise.all(
      scans.map(async (scan, i) => {
        const sarif = path.join(work, `report-${i}.sarif`);
        await runElectronegativity(scan.dir, sarif, electronVersion);
        return findingsFromSarif(readFileSync(sarif, 'utf8'), scan.dir).map((f) => {
          const file = f.file === NO_FILE ? f.file : scan.realPath(f.file);
          return { ...f, file, source: traceToSource(file, f.line) };
        });
      }),
    );
    const cache = new Map<string, string[] | null>();
    const read = (file: string) => {
      if (!cache.has(file)) cache.set(file, existsSync(file) ? readFileSync(file, 'utf8').split('\n') : null);
      return cache.get(file) ?? null;
    };
    const verdicts = judge(reports.flat(), read);
    const rel = (file: string, line: number) =>
      file === NO_FILE ? 'the whole application' : `${path.relative(projectRoot, file)}:${line}`;
    for (const { finding, allowedBy } of verdicts) {
      const where =
        rel(finding.file, finding.line) +
        (finding.source ? ` (${rel(finding.source.file, finding.source.line)})` : '');
      if (allowedBy) console.log(`allowed  ${finding.rule} ${where}: ${allowedBy}`);
      else console.log(`FINDING  ${finding.rule} ${where}: ${finding.message}`);
    }
    const open = verdicts.filter((v) => !v.allowedBy).length;
    const scanned = scans.map((s) => path.relative(projectRoot, s.realPath(s.dir)) || '.').join(', ');
    console.log(
      `electronegativity gate: ${verdicts.length} finding(s) in ${scanned}; ${verdicts.length - open} explained, ` +
        `${open} not explained (Electron ${electronVersion})`,
    );
    return open === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`electronegativity gate: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
