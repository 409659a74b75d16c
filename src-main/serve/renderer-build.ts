/**
 * Makes sure the built renderer exists and is not older than its sources before browser mode
 * serves it (a fresh clone has no out/renderer). Builds with Vite's JS API and the renderer's
 * own config (vite.renderer.config.ts), so the result is what `npm run build:web` produces.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RendererBuildPaths {
  projectRoot: string;
  /** Output folder (out/renderer). */
  rendererDir: string;
}

/** Newest modification time (ms) of any file under `dir` (skipping node_modules), 0 if none. */
export function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** The renderer's inputs: its sources, the shared API files it imports and its Vite config. */
export function rendererInputs(projectRoot: string): string[] {
  return [
    path.join(projectRoot, 'src-renderer'),
    path.join(projectRoot, 'src-main/api/contract.ts'),
    path.join(projectRoot, 'src-main/api/wire.ts'),
    path.join(projectRoot, 'vite.renderer.config.ts'),
  ];
}

export function rendererIsStale(paths: RendererBuildPaths): boolean {
  const index = path.join(paths.rendererDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return rendererInputs(paths.projectRoot).some((input) => {
    if (!existsSync(input)) return false;
    return statSync(input).isDirectory() ? newestMtime(input) > built : statSync(input).mtimeMs > built;
  });
}

/** Builds out/renderer with Vite when it is missing or stale. Returns whether it built. */
export async function ensureRendererBuilt(
  paths: RendererBuildPaths,
  log: (line: string) => void,
): Promise<boolean> {
  if (!rendererIsStale(paths)) return false;
  const configFile = path.join(paths.projectRoot, 'vite.renderer.config.ts');
  if (!existsSync(configFile)) throw new Error(`cannot build the renderer: ${configFile} is missing`);
  log('building the renderer (out/renderer is missing or older than src-renderer)…');
  const { build } = await import('vite');
  await build({ configFile, logLevel: 'warn' });
  if (!existsSync(path.join(paths.rendererDir, 'index.html'))) {
    throw new Error(`the renderer build finished but ${paths.rendererDir}/index.html is missing`);
  }
  return true;
}
