import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ingestCommand } from '../../src/cli/ingest.js';
import { prepareDocument } from '../../src/documents/ingest-documents.js';
import { collectFiles, fileToDocument } from '../../src/documents/ingest-files.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** The CLI's environment for the service under test, and a console that keeps every line it prints. */
function cliRun(svc: ServiceUnderTest) {
  const env = {
    DATABASE_URL: svc.postgres.url,
    CHROMA_URL: svc.chroma.url,
    CHROMA_COLLECTION_PREFIX: svc.chroma.collectionPrefix,
    LOG_LEVEL: 'silent',
  };
  const lines: string[] = [];
  const out = {
    log: (s: string) => lines.push(s),
    error: (s: string) => lines.push(s),
  } as unknown as Console;
  return { env, lines, out };
}

describe('ingest CLI (files and folders)', () => {
  let svc: ServiceUnderTest;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ingest-files-'));
  beforeAll(async () => {
    svc = await startServiceUnderTest();
    mkdirSync(join(dir, 'guides', '.hidden'), { recursive: true });
    writeFileSync(
      join(dir, 'guides', 'tls.md'),
      '# TLS renewal\n\nCertbot renews certificates **twice a day** via the webroot.',
    );
    writeFileSync(
      join(dir, 'guides', 'page.html'),
      '<html><head><title>Backups</title></head><body><p>Backups run nightly &amp; are restored weekly.</p><script>x()</script></body></html>',
    );
    writeFileSync(join(dir, 'notes.txt'), 'Plain notes about scaling beyond one host.');
    writeFileSync(join(dir, 'image.png'), 'not text');
    writeFileSync(join(dir, 'guides', '.hidden', 'secret.md'), '# hidden');
  });
  afterAll(async () => svc?.stop());

  it('collects .txt/.md/.html files, skipping dot-folders and other files', async () => {
    const { files, skipped } = await collectFiles([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'guides/page.html',
      'guides/tls.md',
      'notes.txt',
    ]);
    expect(files.every((f) => f.base === dir)).toBe(true);
    expect(skipped).toEqual([]);
  });

  it('reports a file named explicitly that it will not ingest, and a path that does not exist', async () => {
    const { files, skipped } = await collectFiles([
      join(dir, 'image.png'),
      join(dir, 'nope.md'),
      join(dir, 'notes.txt'),
    ]);
    expect(files).toEqual([{ path: join(dir, 'notes.txt'), base: dir }]);
    expect(skipped).toEqual([
      { path: join(dir, 'image.png'), reason: 'not a .txt/.md/.markdown/.html/.htm file' },
      { path: join(dir, 'nope.md'), reason: 'no such file or folder' },
    ]);
  });

  it('derives id, source and format from the file, and the same title as the API from its content', () => {
    const input = fileToDocument('/r/docs/runbooks/tls renewal.md', '# TLS\n\ntext', '/r');
    expect(input).toMatchObject({
      id: 'docs-runbooks-tls-renewal.md',
      source: 'docs/runbooks/tls renewal.md',
      format: 'markdown',
    });
    expect(prepareDocument(input).title).toBe('TLS');
    expect(prepareDocument({ text: '# TLS\n\ntext', format: 'markdown' }).title).toBe('TLS');
  });

  it('ingests a folder into a new collection; a second run only finds duplicates', async () => {
    const { env, lines, out } = cliRun(svc);
    expect(await ingestCommand(['--collection', 'guides', dir], env, out)).toBe(0);
    expect(lines.at(-1)).toBe('3 stored, 0 duplicate, into "guides"');
    expect(lines).toContain('stored     1 chunks  guides/tls.md  (id guides-tls.md)'); // relative to the folder given
    expect(await ingestCommand(['--collection', 'guides', dir], env, out)).toBe(0);
    expect(lines.at(-1)).toBe('0 stored, 3 duplicate, into "guides"');
    // a file given by path gets its own name as id; --base chooses another folder
    expect(await ingestCommand(['--collection', 'single', join(dir, 'guides', 'tls.md')], env, out)).toBe(0);
    expect(lines).toContain('stored     1 chunks  tls.md  (id tls.md)');

    const html = await request(svc.app)
      .get('/v1/collections/guides/documents/guides-page.html')
      .set(svc.auth('read'));
    expect(html.status).toBe(200);
    expect(html.body.text).toContain('Backups run nightly & are restored weekly.');
    expect(html.body.text).not.toContain('x()');
    expect(html.body.title).toBe('Backups');
    expect(await ingestCommand([], env, out)).toBe(2);
  });

  it('reports a skipped file and exits 1, having ingested the rest', async () => {
    const { env, lines, out } = cliRun(svc);
    expect(
      await ingestCommand(
        ['--collection', 'mixed', join(dir, 'image.png'), join(dir, 'notes.txt')],
        env,
        out,
      ),
    ).toBe(1);
    expect(lines[0]).toBe(`skipped    ${join(dir, 'image.png')}: not a .txt/.md/.markdown/.html/.htm file`);
    expect(lines.at(-1)).toBe('1 stored, 0 duplicate, 1 skipped, into "mixed"');
  });
});
