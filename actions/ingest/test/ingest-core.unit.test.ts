import { describe, expect, it } from '@jest/globals';
import { parseUrlList } from '../src/fetch-urls.js';
import { readIngestInputs } from '../src/ingest-inputs.js';
import { countOutcomes, MAX_LISTED, renderSummary } from '../src/ingest-report.js';
import { jsonBytes, planBatches } from '../src/plan-batches.js';
import { isRetryableStatus, retryAfterMs, retryDelayMs } from '../src/retry-policy.js';
import { describeProblem } from '../src/service-client.js';
import {
  documentFromFile,
  documentIdOfUrl,
  formatOfResponse,
  isIngestibleName,
} from '../src/source-documents.js';
import type { DocumentResult } from '../src/send-documents.js';

describe('documents from files and URLs', () => {
  it('names a file as `npm run ingest` does and takes its format from the extension', () => {
    expect(documentFromFile('guides/Getting started.md', '# Hi')).toEqual({
      id: 'guides-Getting-started.md',
      source: 'guides/Getting started.md',
      text: '# Hi',
      format: 'markdown',
    });
    expect(documentFromFile('a/b.HTM', 'x').format).toBe('html');
    expect(documentFromFile('notes.txt', 'x').format).toBe('text');
    expect(documentFromFile(`${'x'.repeat(200)}.md`, 'x').id).toHaveLength(128);
    expect(['a.md', 'b.markdown', 'c.html', 'd.htm', 'e.TXT'].every(isIngestibleName)).toBe(true);
    expect(['f.png', 'g.pdf', 'md'].some(isIngestibleName)).toBe(false);
  });

  it('names a URL by host, path and query; a long one keeps its start and ends in a hash', () => {
    expect(documentIdOfUrl(new URL('https://docs.example.com/guide/intro.html?v=2'))).toBe(
      'docs.example.com-guide-intro.html-v-2',
    );
    expect(documentIdOfUrl(new URL('https://example.com/a/'))).toBe('example.com-a');
    const long = (tail: string) => new URL(`https://example.com/${'p'.repeat(150)}/${tail}`);
    const [one, two] = [documentIdOfUrl(long('one')), documentIdOfUrl(long('two'))];
    expect(one).toHaveLength(128);
    expect(one).toMatch(/^example\.com-p+-[0-9a-f]{16}$/);
    expect(one).not.toBe(two);
  });

  it('takes a fetched format from Content-Type, or from the path when the type is generic', () => {
    const at = (path: string) => new URL(`https://example.com${path}`);
    expect(formatOfResponse(at('/x'), 'text/html; charset=utf-8')).toBe('html');
    expect(formatOfResponse(at('/x'), 'text/markdown')).toBe('markdown');
    expect(formatOfResponse(at('/readme.md'), 'text/plain')).toBe('markdown');
    expect(formatOfResponse(at('/x'), 'text/plain')).toBe('text');
    expect(formatOfResponse(at('/page.html'), 'application/octet-stream')).toBe('html');
    expect(formatOfResponse(at('/file.pdf'), 'application/octet-stream')).toBeUndefined();
    expect(formatOfResponse(at('/x'), undefined)).toBeUndefined();
    expect(formatOfResponse(at('/data.json'), 'application/json')).toBeUndefined();
  });

  it('reads a URL list: http(s) only, no credentials, comments and blanks ignored, each URL once', () => {
    const { urls, results } = parseUrlList(
      [
        'https://a.example/x',
        '  # comment',
        '',
        'http://b.example/y ',
        'https://a.example/x',
        'file:///etc/passwd',
        'not a url',
        'https://user:pw@c.example/',
      ].join('\r\n'),
    );
    expect(urls.map((url) => url.href)).toEqual(['https://a.example/x', 'http://b.example/y']);
    expect(results).toEqual([
      { source: 'file:///etc/passwd', outcome: 'failed', reason: 'not an http(s) URL' },
      { source: 'not a url', outcome: 'failed', reason: 'not an http(s) URL' },
      {
        source: 'https://user:pw@c.example/',
        outcome: 'failed',
        reason: 'URLs with credentials are refused',
      },
    ]);
  });
});

describe('batches', () => {
  const doc = (size: number) => ({ text: 'x'.repeat(size) });

  it('cuts by count and by bytes, in order; a document larger than the limit travels alone', () => {
    const docs = [doc(10), doc(10), doc(10), doc(10), doc(10)];
    expect(planBatches(docs, { maxDocuments: 2, maxBytes: 10_000 }).map((b) => b.length)).toEqual([2, 2, 1]);
    const perDoc = jsonBytes(doc(100));
    const envelope = jsonBytes({ documents: [] });
    const limits = { maxDocuments: 100, maxBytes: envelope + 2 * perDoc };
    const mixed = [doc(100), doc(100), doc(100), doc(5000), doc(100)];
    expect(planBatches(mixed, limits).map((batch) => batch.map((d) => d.text.length))).toEqual([
      [100, 100],
      [100],
      [5000],
      [100],
    ]);
    expect(planBatches([], limits)).toEqual([]);
  });
});

describe('retries', () => {
  it('retries what says "not now", never what says "not this"', () => {
    expect([408, 429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 422, 500].some(isRetryableStatus)).toBe(false);
  });

  it('waits what Retry-After asks (seconds or a date), else backs off, never longer than the cap', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    const timing = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, null, now, timing))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(retryDelayMs(1, '3600', now, timing)).toBe(1000);
    expect(retryDelayMs(3, '0', now, timing)).toBe(0);
  });
});

describe('problems', () => {
  it('says status, title, detail and the first field errors of a problem+json body', () => {
    const body = JSON.stringify({
      title: 'Validation failed',
      status: 422,
      detail: 'The request does not match the schema.',
      errors: [{ path: 'documents.0.text', message: 'too long' }],
    });
    expect(describeProblem(422, 'Unprocessable Entity', body)).toBe(
      '422 Validation failed: The request does not match the schema. (documents.0.text too long)',
    );
    expect(describeProblem(502, 'Bad Gateway', '<html>nginx</html>')).toBe('502 Bad Gateway');
  });
});

describe('report', () => {
  const results: DocumentResult[] = [
    { source: 'a.md', id: 'a.md', outcome: 'added', chunks: 2 },
    { source: 'b.md', id: 'b.md', outcome: 'duplicate', chunks: 1 },
    { source: 'c|d.md', id: 'c-d.md', outcome: 'failed', reason: '409 Conflict: delete\nfirst' },
    { source: 'e.md', outcome: 'skipped', reason: 'empty file' },
  ];

  it('counts each outcome', () => {
    expect(countOutcomes(results)).toEqual({
      added: 1,
      updated: 0,
      duplicate: 1,
      failed: 1,
      skipped: 1,
      total: 4,
    });
  });

  it('renders the counts and lists failures and skips, escaping table cells', () => {
    const summary = renderSummary(results, {
      collection: 'docs',
      service: 'https://staging.example.com',
      sources: ['docs/'],
    });
    expect(summary).toContain('### ❌ Ingest into `docs`');
    expect(summary).toContain('| 1 | 0 | 1 | 1 | 1 | 4 |');
    expect(summary).toContain('| c\\|d.md | 409 Conflict: delete first |');
    expect(summary).toContain('| e.md | empty file |');
    const clean = renderSummary(results.slice(0, 2), { collection: 'docs', service: 's', sources: [] });
    expect(clean).toContain('### ✅');
    expect(clean).not.toContain('#### Failed');
  });

  it('lists at most MAX_LISTED failures and says how many more the log has', () => {
    const many: DocumentResult[] = Array.from({ length: MAX_LISTED + 3 }, (_, i) => ({
      source: `f${i}.md`,
      outcome: 'failed',
      reason: 'x',
    }));
    const summary = renderSummary(many, { collection: 'c', service: 's', sources: [], stopped: 'why' });
    expect(summary.split('\n').filter((line) => /^\| f\d+\.md/.test(line))).toHaveLength(MAX_LISTED);
    expect(summary).toContain('…and 3 more (see the log).');
    expect(summary).toContain('**Stopped:** why');
  });
});

describe('inputs', () => {
  const reader =
    (values: Record<string, string>) =>
    (name: string): string =>
      values[name] ?? '';
  const base = { url: 'https://staging.example.com', 'api-key': 'slw_k', collection: 'docs', folder: 'docs' };

  it('applies the defaults to empty inputs', () => {
    expect(readIngestInputs(reader(base))).toMatchObject({
      collection: 'docs',
      folder: 'docs',
      batchSize: 20,
      maxBatchBytes: 900_000,
      maxUrlBytes: 5_000_000,
      timeoutMs: 60_000,
      maxRetries: 5,
      replaceChanged: false,
      failOnError: true,
    });
  });

  it.each([
    [{ 'api-key': '' }, 'input api-key is empty: set the environment secret SLIPWAY_INGEST_KEY'],
    [{ url: '' }, 'input url is empty: set the environment variable SLIPWAY_URL'],
    [{ url: 'ftp://example.com' }, 'input url must be http(s)'],
    [{ url: 'https://u:p@example.com' }, 'input url must not carry credentials, a query or a fragment'],
    [{ collection: 'Docs!' }, 'input collection must be a collection name'],
    [{ folder: '' }, 'nothing to ingest: set folder, urls or url-file'],
    [{ 'batch-size': '0' }, 'input batch-size must be a whole number from 1 to 1000, got "0"'],
    [{ 'max-retries': 'many' }, 'input max-retries must be a whole number from 0 to 10'],
    [{ 'fail-on-error': 'yes' }, 'input fail-on-error must be true or false, got "yes"'],
  ])('refuses %j', (override, message) => {
    expect(() => readIngestInputs(reader({ ...base, ...override }))).toThrow(message);
  });

  it('never puts the key into an error message', () => {
    const key = 'slw_secret-value-123';
    try {
      readIngestInputs(reader({ ...base, 'api-key': key, url: key }));
      throw new Error('expected a refusal');
    } catch (error) {
      expect(String(error)).not.toContain(key);
    }
  });
});
