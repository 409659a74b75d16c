/**
 * Resolves a request path to a file of the built renderer, safely: one function shared by the
 * browser-mode HTTP server and the Electron app:// protocol handler. It never lists a directory,
 * refuses any path that would leave the renderer folder (dot segments, encoded slashes or
 * backslashes, NUL bytes, symlinks pointing outside) and names the content type of what it serves.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type StaticResolution =
  | { kind: 'file'; filePath: string; contentType: string; sizeBytes: number }
  | { kind: 'refused'; status: 400 | 403 | 404; reason: string };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

const refused = (status: 400 | 403 | 404, reason: string): StaticResolution => ({
  kind: 'refused',
  status,
  reason,
});

/** `urlPath` is the path part of the request URL, still percent-encoded, starting with '/'. */
export async function resolveStaticFile(rootDir: string, urlPath: string): Promise<StaticResolution> {
  if (!urlPath.startsWith('/')) return refused(400, 'the path must start with /');
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return refused(400, 'the path is not valid percent-encoding');
  }
  if (decoded.includes('\0')) return refused(400, 'the path contains a NUL byte');
  // A backslash is a separator on Windows: '..\\' would climb out there even if not here.
  if (decoded.includes('\\')) return refused(403, 'path traversal refused (backslash in path)');
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.'))
    return refused(403, 'path traversal refused (dot segment)');
  if (decoded === '/') decoded = '/index.html';
  else if (decoded.endsWith('/')) return refused(404, 'no directory listing');

  const root = path.resolve(rootDir);
  const candidate = path.resolve(root, `.${decoded}`);
  if (!isInside(root, candidate)) return refused(403, 'path traversal refused');

  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(candidate);
  } catch {
    return refused(404, 'not found');
  }
  if (!isInside(realRoot, realFile))
    return refused(403, 'path traversal refused (link leaves the renderer folder)');
  const info = await stat(realFile).catch(() => null);
  if (!info?.isFile()) return refused(404, info ? 'no directory listing' : 'not found');
  return { kind: 'file', filePath: realFile, contentType: contentTypeFor(realFile), sizeBytes: info.size };
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
