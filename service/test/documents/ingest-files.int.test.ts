import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ingestCommand } from '../../src/cli/ingest.js';
import { collectFiles, fileToDocument } from '../../src/documents/ingest-files.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

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
    const files = (await collectFiles([dir])).map((f) => f.slice(dir.length + 1));
    expect(files).toEqual(['guides/page.html', 'guides/tls.md', 'notes.txt']);
  });

  it('derives id, title, source and format from the file', () => {
    expect(fileToDocument('/r/docs/runbooks/tls renewal.md', '# TLS\n\ntext', '/r')).toMatchObject({
      id: 'docs-runbooks-tls-renewal.md',
      title: 'TLS',
      source: 'docs/runbooks/tls renewal.md',
      format: 'markdown',
    });
  });

  it('ingests a folder into a new collection; a second run only finds duplicates', async () => {
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
    expect(await ingestCommand(['--collection', 'guides', '--base', dir, dir], env, out)).toBe(0);
    expect(lines.at(-1)).toBe('3 stored, 0 duplicate, into "guides"');
    expect(await ingestCommand(['--collection', 'guides', '--base', dir, dir], env, out)).toBe(0);
    expect(lines.at(-1)).toBe('0 stored, 3 duplicate, into "guides"');

    const html = await request(svc.app)
      .get('/v1/collections/guides/documents/guides-page.html')
      .set(svc.auth('read'));
    expect(html.status).toBe(200);
    expect(html.body.text).toContain('Backups run nightly & are restored weekly.');
    expect(html.body.text).not.toContain('x()');
    expect(html.body.title).toBe('Backups');
    expect(await ingestCommand([], env, out)).toBe(2);
  });
});
