/**
 * electron-vite build of the desktop app: main (ESM, Node target) -> out/main/index.js,
 * preload (CommonJS: a sandboxed preload cannot load ES modules or node_modules, so everything
 * it imports is bundled) -> out/preload/index.cjs, renderer (root src-renderer) -> out/renderer.
 * `npx electron-vite build` needs no Electron binary.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Maps let stack traces and the electronegativity gate point at the TypeScript sources;
      // electron-builder.yml leaves them out of the package.
      sourcemap: true,
      rolldownOptions: { input: { index: resolve(root, 'src-main/app/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      sourcemap: true,
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
