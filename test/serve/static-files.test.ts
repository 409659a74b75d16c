import { symlinkSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, resolveStaticFile } from '../../src-main/serve/static-files';
import { type RendererFixture, rendererFixture } from './fixtures';

describe('static files of the built renderer', () => {
  let fixture: RendererFixture;
  beforeAll(() => {
    fixture = rendererFixture();
    symlinkSync(path.join(fixture.root, 'secret.txt'), path.join(fixture.rendererDir, 'assets', 'leak.txt'));
  });
  afterAll(() => fixture.cleanup());

  it('maps / to index.html and files to their content type', async () => {
    const index = await resolveStaticFile(fixture.rendererDir, '/');
    expect(index).toMatchObject({ kind: 'file', contentType: 'text/html; charset=utf-8' });
    expect(index.kind === 'file' && path.basename(index.filePath)).toBe('index.html');
    const js = await resolveStaticFile(fixture.rendererDir, '/assets/app.js');
    expect(js.kind === 'file' && js.sizeBytes).toBe('console.log("xdc renderer");\n'.length);
    expect(contentTypeFor('x.woff2')).toBe('font/woff2');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });

  it('refuses a symlink that points outside the renderer folder', async () => {
    expect(await resolveStaticFile(fixture.rendererDir, '/assets/leak.txt')).toMatchObject({
      kind: 'refused',
      status: 403,
    });
  });

  it('never resolves any request path to a file outside the renderer folder (property)', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2E%2E',
        '%2f',
        '%5c',
        '\\',
        '..%2f',
        'assets',
        'index.html',
        'secret.txt',
        '',
        '%00',
        '%',
      ),
      fc.stringMatching(/^[a-z.%0-9]{1,6}$/),
    );
    const realRoot = path.resolve(fixture.rendererDir);
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 6 }), async (segments) => {
        const result = await resolveStaticFile(fixture.rendererDir, `/${segments.join('/')}`);
        if (result.kind === 'file') {
          expect(result.filePath.startsWith(realRoot + path.sep)).toBe(true);
          expect(path.basename(result.filePath)).not.toBe('secret.txt');
        } else {
          expect([400, 403, 404]).toContain(result.status);
        }
      }),
      { numRuns: 300 },
    );
  });
});
