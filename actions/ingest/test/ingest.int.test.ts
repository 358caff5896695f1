// The committed bundle (copied away from the repository, so no node_modules can help it) run the way the
// GitHub runner runs it, against the real service: src/server.ts in its own process on harness Postgres and
// Chroma, keys made with the keys CLI, documents checked through the public API afterwards. URL lists are
// served by a local HTTP server; a local proxy in front of the service answers one request with 503 +
// Retry-After to prove the retry.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runActionLikeRunner, type RunnerResult } from '../../../scripts/run-action-like-runner.js';
import { keysCommand } from '../../../service/src/cli/keys.js';
import { provideMigratedStores, type MigratedStores } from '../../../service/test/support/migrated-stores.js';
import { startServiceProcess, type ServiceProcess } from '../../../service/test/support/service-process.js';

const actionDir = fileURLToPath(new URL('..', import.meta.url));
const PEPPER = `pepper-${randomBytes(16).toString('hex')}`;
const ADMIN_KEY = `test_${randomBytes(24).toString('base64url')}`;
/** Small, so that a batch of a few documents is refused with 413 and has to be split. */
const MAX_BODY_BYTES = 64 * 1024;

let stores: MigratedStores;
let service: ServiceProcess;
let workspace: string;
let entry: string;
let ingestKey: string;
let readKey: string;
let pages: Server;
let pagesUrl: string;

/** A key made the way an operator makes one: `npm run keys -- create … --json`, its output captured. */
async function createKey(name: string, scopes: string): Promise<string> {
  let printed = '';
  const captured = new Writable({
    write(chunk: Buffer, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  const env = { DATABASE_URL: stores.postgres.url, API_KEY_PEPPER: PEPPER, LOG_LEVEL: 'silent' };
  const argv = ['create', '--name', name, '--scopes', scopes, '--json'];
  expect(await keysCommand(argv, env, new console.Console({ stdout: captured }))).toBe(0);
  return (JSON.parse(printed) as { key: string }).key;
}

const api = (method: string, route: string, body?: unknown) =>
  service.callJson(method, route, ADMIN_KEY, body);

async function storedDocuments(collection: string): Promise<{ id: string; source: string }[]> {
  const listed = await api('GET', `/v1/collections/${collection}/documents?limit=500`);
  expect(listed.status).toBe(200);
  return (listed.body.documents as { id: string; source: string }[]).map(({ id, source }) => ({
    id,
    source,
  }));
}

function write(relative: string, content: string): void {
  const file = path.join(workspace, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function ingest(inputs: Record<string, string>, url = service.url): Promise<RunnerResult> {
  return runActionLikeRunner({
    entry,
    cwd: workspace,
    inputs: { url, 'api-key': ingestKey, ...inputs },
    timeoutMs: 60_000,
  });
}

/** Everything the run printed or wrote, less the runner's own mask command (which must carry the key). */
function visibleText(result: RunnerResult): string {
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, result.stderr, result.summary, JSON.stringify(result.outputs)].join('\n');
}

const counts = (result: RunnerResult) => ({
  added: result.outputs.added,
  updated: result.outputs.updated,
  duplicates: result.outputs.duplicates,
  failed: result.outputs.failed,
  skipped: result.outputs.skipped,
  total: result.outputs.total,
});

/** A paragraph of distinct words: `bytes` long, different for every `seed`. */
const prose = (seed: string, bytes: number) =>
  Array.from({ length: Math.ceil(bytes / 20) }, (_, i) => `${seed} sentence ${i} about slipways.`)
    .join(' ')
    .slice(0, bytes);

function servePages(): Promise<void> {
  const routes: Record<string, { type: string; body: string }> = {
    '/guide/page.html': {
      type: 'text/html; charset=utf-8',
      body: '<html><head><title>Harbour guide</title></head><body><h1>Harbour</h1><p>Boats moor at the quay.</p></body></html>',
    },
    '/notes.md': { type: 'text/markdown', body: '# Tides\n\nHigh tide comes twice a day.' },
    '/plain?lang=en': { type: 'text/plain', body: 'Lighthouses warn ships of rocks.' },
    '/big.txt': { type: 'text/plain', body: prose('big', 20_000) },
    '/logo.png': { type: 'image/png', body: 'not really a png' },
    '/empty.txt': { type: 'text/plain', body: '   \n' },
  };
  pages = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (req.headers.authorization) {
      res.writeHead(400).end('a URL fetch must carry no credentials');
      return;
    }
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      return;
    }
    res.writeHead(200, { 'content-type': route.type }).end(route.body);
  });
  return new Promise((resolve) =>
    pages.listen(0, '127.0.0.1', () => {
      pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

beforeAll(async () => {
  stores = await provideMigratedStores();
  service = await startServiceProcess({
    ...stores.env,
    BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    API_KEY_PEPPER: PEPPER,
    RATE_LIMIT_PER_MINUTE: '100000',
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
  ingestKey = await createKey('ci-ingest', 'ingest');
  readKey = await createKey('reader', 'read');
  for (const name of ['handbook', 'pages', 'large', 'retried']) {
    expect((await api('POST', '/v1/collections', { name })).status).toBe(201);
  }
  workspace = mkdtempSync(path.join(os.tmpdir(), 'slipway-ingest-'));
  cpSync(path.join(actionDir, 'dist'), path.join(workspace, 'action', 'dist'), { recursive: true });
  entry = path.join(workspace, 'action', 'dist', 'index.js');
  await servePages();
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  await Promise.allSettled([service?.stop()]);
  await stores?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('ingest dist/index.js under the runner protocol, against the running service', () => {
  it('ingests a folder, then reports every document a duplicate on the second run', async () => {
    write('docs/handbook/intro.md', '# Welcome\n\nSlipway ingests documents on a schedule.');
    write('docs/handbook/deploy guide.txt', 'Deploys go to staging first, then production.');
    write('docs/faq.html', '<h1>FAQ</h1><p>Duplicates are skipped by content hash.</p>');
    write('docs/blank.md', '  \n\n');
    write('docs/.drafts/secret.md', 'not ingested: a dot-folder');
    write('docs/node_modules/pkg/readme.md', 'not ingested: node_modules');
    write('docs/diagram.png', 'not ingested: not a text type');

    const first = await ingest({ collection: 'handbook', folder: 'docs' });
    expect(first.exitCode).toBe(0);
    expect(counts(first)).toEqual({
      added: '3',
      updated: '0',
      duplicates: '0',
      failed: '0',
      skipped: '1',
      total: '4',
    });
    expect(first.summary).toContain('| 3 | 0 | 0 | 0 | 1 | 4 |');
    expect(first.summary).toContain('| blank.md | empty file |');
    // Ids follow `npm run ingest`'s rule: the path relative to the folder, other characters as "-".
    expect(await storedDocuments('handbook')).toEqual([
      { id: 'faq.html', source: 'faq.html' },
      { id: 'handbook-deploy-guide.txt', source: 'handbook/deploy guide.txt' },
      { id: 'handbook-intro.md', source: 'handbook/intro.md' },
    ]);

    const second = await ingest({ collection: 'handbook', folder: 'docs' });
    expect(second.exitCode).toBe(0);
    expect(counts(second)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '3',
      failed: '0',
      skipped: '1',
      total: '4',
    });
    expect(second.summary).toContain('| 0 | 0 | 3 | 0 | 1 | 4 |');
    expect(await storedDocuments('handbook')).toHaveLength(3);
    // The key is masked for the runner first, and appears nowhere else.
    expect(second.stdout.split('\n')[0]).toBe(`::add-mask::${ingestKey}`);
    expect(visibleText(second)).not.toContain(ingestKey);
  });

  it('fails only the changed document of a batch (409), the rest still counts, and the step fails', async () => {
    write('docs/handbook/intro.md', '# Welcome\n\nThe text changed since the first run.');
    const result = await ingest({ collection: 'handbook', folder: 'docs' });
    expect(result.exitCode).toBe(1);
    expect(counts(result)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '2',
      failed: '1',
      skipped: '1',
      total: '4',
    });
    expect(result.summary).toMatch(/\| handbook\/intro\.md \| 409 Conflict: .+ \|/);
    expect(result.stdout).toContain('::warning::handbook/intro.md: 409 Conflict');
    expect(result.stdout).toContain('::error::1 document(s) failed to ingest');

    const warned = await ingest({ collection: 'handbook', folder: 'docs', 'fail-on-error': 'false' });
    expect(warned.exitCode).toBe(0);
    expect(warned.outputs.failed).toBe('1');
    expect(warned.stdout).toContain('::warning::1 document(s) failed to ingest');
  });

  it('with replace-changed, replaces the changed document; content stored under another id still fails', async () => {
    write('docs/copy-of-faq.html', '<h1>FAQ</h1><p>Duplicates are skipped by content hash.</p>');
    try {
      const result = await ingest({ collection: 'handbook', folder: 'docs', 'replace-changed': 'true' });
      expect(result.exitCode).toBe(1);
      expect(counts(result)).toEqual({
        added: '0',
        updated: '1',
        duplicates: '2',
        failed: '1',
        skipped: '1',
        total: '5',
      });
      expect(result.summary).toMatch(/\| copy-of-faq\.html \| 409 Conflict: .*already stored as "faq\.html"/);
      const intro = await api('GET', '/v1/collections/handbook/documents/handbook-intro.md');
      expect(String(intro.body.text)).toContain('The text changed since the first run.');
      expect((await storedDocuments('handbook')).map((d) => d.id)).toEqual([
        'faq.html',
        'handbook-deploy-guide.txt',
        'handbook-intro.md',
      ]);
    } finally {
      rmSync(path.join(workspace, 'docs/copy-of-faq.html'));
    }
    const again = await ingest({ collection: 'handbook', folder: 'docs', 'replace-changed': 'true' });
    expect(again.exitCode).toBe(0);
    expect(counts(again)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '3',
      failed: '0',
      skipped: '1',
      total: '4',
    });
  });

  it('splits a batch the service refuses with 413 until only the oversized document fails', async () => {
    for (const n of [1, 2, 3, 4]) write(`large/part-${n}.txt`, prose(`part${n}`, 20_000));
    write('large/huge.txt', prose('huge', MAX_BODY_BYTES + 10_000));
    const result = await ingest({ collection: 'large', folder: 'large', 'fail-on-error': 'false' });
    expect(result.exitCode).toBe(0);
    expect(counts(result)).toEqual({
      added: '4',
      updated: '0',
      duplicates: '0',
      failed: '1',
      skipped: '0',
      total: '5',
    });
    expect(result.summary).toMatch(/\| huge\.txt \| 413 Payload too large/);
    // One request of all five, split until the oversized document stands alone: 413, 413, 413, then 201s.
    expect(result.stdout).toContain('batch 1/1: 4 added, 0 updated, 0 duplicate, 1 failed');
    expect((await storedDocuments('large')).map((d) => d.id).sort()).toEqual([
      'part-1.txt',
      'part-2.txt',
      'part-3.txt',
      'part-4.txt',
    ]);
  });

  it('fetches a URL list (http/https only, size cap, text types), with the URL as source', async () => {
    const listed = [
      `${pagesUrl}/guide/page.html`,
      `${pagesUrl}/notes.md`,
      `# a comment, then a blank line`,
      '',
      `${pagesUrl}/plain?lang=en`,
      `${pagesUrl}/notes.md`,
      `${pagesUrl}/big.txt`,
      `${pagesUrl}/logo.png`,
      `${pagesUrl}/missing.html`,
      `${pagesUrl}/empty.txt`,
      'ftp://example.com/file.txt',
    ];
    write('urls.txt', listed.join('\n'));
    const inputs = { collection: 'pages', 'url-file': 'urls.txt', 'max-url-bytes': '10000' };
    const result = await ingest({ ...inputs, 'fail-on-error': 'false' });
    expect(result.exitCode).toBe(0);
    expect(counts(result)).toEqual({
      added: '3',
      updated: '0',
      duplicates: '0',
      failed: '4',
      skipped: '1',
      total: '8',
    });
    for (const [source, reason] of [
      [`${pagesUrl}/big.txt`, 'larger than 10000 bytes'],
      [`${pagesUrl}/logo.png`, 'content type image/png is not HTML, Markdown or plain text'],
      [`${pagesUrl}/missing.html`, 'fetch answered 404'],
      ['ftp://example.com/file.txt', 'not an http(s) URL'],
    ]) {
      expect(result.summary).toContain(`| ${source} | ${reason}`);
    }
    const host = new URL(pagesUrl).host.replace(/[^A-Za-z0-9._:-]+/g, '-');
    expect(await storedDocuments('pages')).toEqual(
      [
        { id: `${host}-guide-page.html`, source: `${pagesUrl}/guide/page.html` },
        { id: `${host}-notes.md`, source: `${pagesUrl}/notes.md` },
        { id: `${host}-plain-lang-en`, source: `${pagesUrl}/plain?lang=en` },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const stored = await api('GET', `/v1/collections/pages/documents/${host}-guide-page.html`);
    expect(stored.body).toMatchObject({ title: 'Harbour guide' });

    const again = await ingest({ collection: 'pages', urls: listed.slice(0, 2).join('\n') });
    expect(again.exitCode).toBe(0);
    expect(counts(again)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '2',
      failed: '0',
      skipped: '0',
      total: '2',
    });
  });

  /**
   * A proxy in front of the service that answers the POSTs `refuse` picks with 503 + Retry-After: 1, and
   * passes everything else through.
   */
  async function throughProxy<T>(
    refuse: (postNumber: number) => boolean,
    use: (url: string) => Promise<T>,
  ): Promise<T> {
    let posts = 0;
    const target = new URL(service.url);
    const proxy = createServer((req, res) => {
      if (req.method === 'POST' && refuse(++posts)) {
        req.resume();
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'Service unavailable', status: 503, detail: 'warming up' }));
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      return await use(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  }

  it('waits out a 503 with Retry-After and then ingests', async () => {
    write('retried/one.md', '# One\n\nA document sent through a proxy that refuses once.');
    const result = await throughProxy(
      (post) => post === 1,
      (url) => ingest({ collection: 'retried', folder: 'retried' }, url),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('retry 1/5 in 1 s: POST /v1/collections/retried/documents: 503');
    expect(counts(result)).toEqual({
      added: '1',
      updated: '0',
      duplicates: '0',
      failed: '0',
      skipped: '0',
      total: '1',
    });
  });

  it('a service that stays unavailable ends the run: what was sent counts, the rest is failed as not sent', async () => {
    write('retried/two.md', '# Two\n\nThe second document.');
    write('retried/three.md', '# Three\n\nThe third document.');
    // one.md is already stored (a duplicate, first POST); every later POST is refused
    const result = await throughProxy(
      (post) => post > 1,
      (url) =>
        ingest({ collection: 'retried', folder: 'retried', 'batch-size': '1', 'max-retries': '1' }, url),
    );
    expect(result.exitCode).toBe(1);
    expect(counts(result)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '1',
      failed: '2',
      skipped: '0',
      total: '3',
    });
    expect(result.summary).toContain(
      '| three.md | not sent: POST /v1/collections/retried/documents: 503 Service unavailable: warming up (after 1 retry) |',
    );
    expect(result.summary).toContain('| two.md | not sent:');
    expect(result.stdout).toContain('::error::2 document(s) failed to ingest');
    expect((await storedDocuments('retried')).map((d) => d.id)).toEqual(['one.md']);
  });

  it('a wrong key fails the step with a clear message, before anything is read or sent', async () => {
    const wrongKey = `slw_${randomBytes(32).toString('base64url')}`;
    const result = await runActionLikeRunner({
      entry,
      cwd: workspace,
      inputs: { url: service.url, 'api-key': wrongKey, collection: 'handbook', folder: 'docs' },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '::error::ingest stopped: the service refused the key (401 Authentication required: The API key is unknown or revoked.)',
    );
    expect(result.stdout).toContain('SLIPWAY_INGEST_KEY');
    expect(result.summary).toContain('**Stopped:** the service refused the key');
    expect(counts(result)).toEqual({
      added: '0',
      updated: '0',
      duplicates: '0',
      failed: '0',
      skipped: '0',
      total: '0',
    });
    expect(result.stdout.split('\n')[0]).toBe(`::add-mask::${wrongKey}`);
    expect(visibleText(result)).not.toContain(wrongKey);
  });

  it('a read-only key and a missing collection stop the run, each saying what is wrong', async () => {
    const readOnly = await runActionLikeRunner({
      entry,
      cwd: workspace,
      inputs: { url: service.url, 'api-key': readKey, collection: 'handbook', folder: 'docs' },
    });
    expect(readOnly.exitCode).toBe(1);
    expect(readOnly.stdout).toMatch(/::error::ingest stopped: key \S+… \(reader\) has scopes \[read\]/);
    expect(visibleText(readOnly)).not.toContain(readKey);

    const missing = await ingest({ collection: 'nowhere', folder: 'docs' });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('::error::ingest stopped: collection "nowhere" does not exist');
    expect(await api('GET', '/v1/collections/nowhere')).toMatchObject({ status: 404 });
  });

  it('refuses inputs that name nothing to ingest or a folder that is not there', async () => {
    const nothing = await ingest({ collection: 'handbook' });
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stdout).toContain('::error::nothing to ingest: set folder, urls or url-file');
    const absent = await ingest({ collection: 'handbook', folder: 'no-such-folder' });
    expect(absent.exitCode).toBe(1);
    expect(absent.stdout).toContain('::error::folder "no-such-folder" is not a folder in the workspace');
  });
});
