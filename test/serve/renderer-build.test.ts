import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newestMtime, rendererIsStale } from '../../src-main/serve/renderer-build';

describe('browser mode rebuilds the renderer only when it must', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  function project() {
    const projectRoot = mkdtempSync(path.join(os.tmpdir(), 'xdc-build-'));
    roots.push(projectRoot);
    mkdirSync(path.join(projectRoot, 'src-renderer/panels'), { recursive: true });
    mkdirSync(path.join(projectRoot, 'src-main/api'), { recursive: true });
    const source = path.join(projectRoot, 'src-renderer/panels/Inspector.tsx');
    writeFileSync(source, 'export {};\n');
    writeFileSync(path.join(projectRoot, 'src-main/api/contract.ts'), 'export {};\n');
    const rendererDir = path.join(projectRoot, 'out/renderer');
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    at(source, 1000);
    at(path.join(projectRoot, 'src-main/api/contract.ts'), 1000);
    return { projectRoot, rendererDir, source, at };
  }

  it('builds a fresh clone (no out/renderer)', () => {
    const p = project();
    expect(rendererIsStale(p)).toBe(true);
  });

  it('keeps a build newer than every source, and rebuilds after a source or the contract changes', () => {
    const p = project();
    mkdirSync(p.rendererDir, { recursive: true });
    const index = path.join(p.rendererDir, 'index.html');
    writeFileSync(index, '<!doctype html>');
    p.at(index, 2000);
    expect(rendererIsStale(p)).toBe(false);
    p.at(p.source, 3000);
    expect(newestMtime(path.join(p.projectRoot, 'src-renderer'))).toBe(3_000_000);
    expect(rendererIsStale(p)).toBe(true);
    p.at(p.source, 1000);
    p.at(path.join(p.projectRoot, 'src-main/api/contract.ts'), 2500);
    expect(rendererIsStale(p)).toBe(true);
  });
});
