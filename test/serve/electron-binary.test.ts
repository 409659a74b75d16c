import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../src-main/app/electron-binary';

describe('npm start looks for Electron without downloading it', () => {
  it('finds no binary on this machine (the package is installed, its binary is not)', () => {
    expect(findElectronBinary({})).toBeNull();
  });

  it('finds a binary placed with ELECTRON_OVERRIDE_DIST_PATH, and only if the file exists', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdc-electron-'));
    try {
      expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dir })).toBeNull();
      writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
      expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dir })).toBe(path.join(dir, 'electron'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
