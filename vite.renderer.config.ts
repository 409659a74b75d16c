/**
 * The renderer's build: root src-renderer, output out/renderer, relative base so the same
 * files load from file:// in Electron and from http://127.0.0.1 in browser mode. Everything is
 * bundled (no remote resources, no inline scripts) so the strict CSP in index.html holds.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src-renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('./out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Inline data: URLs would need a looser CSP; keep every asset a file.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
});
