import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/**
 * Every endpoint under hostile input through one real HTTP server: at least 10,000 requests, none answered
 * ≥ 500 (no outage is injected here), the process alive and ready afterwards. The seed is fixed in CI
 * (FUZZ_SEED overrides it) and random elsewhere; fast-check prints it with any counterexample.
 */
const REQUESTS_PER_RUN = 4;
const RUNS = 2600; // 10,400 requests
const seed = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : process.env.CI
    ? 20261205
    : Math.floor(Math.random() * 2 ** 31);

interface Sent {
  method: string;
  path: string;
  auth: 'admin' | 'ingest' | 'read' | 'none' | 'garbage';
  body?: string;
  accept?: string;
}

// ---- generators for the values that broke the service before
const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\ud83d\ude00',
  '\u202e',
  '%00',
  '\\',
  '"',
  '\u2028',
);
const text = fc
  .array(
    fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 12 }) }, nasty, fc.constantFrom('..', '.', '/')),
    {
      maxLength: 5,
    },
  )
  .map((parts) => parts.join(''));
const hugeNumber = fc.constantFrom(
  '1e308',
  '-1e308',
  '1e400',
  '9007199254740993',
  '-0',
  '0.0000001',
  '1e-400',
  '123456789012345678901234567890',
);
/** A JSON value as text, so that `__proto__` keys and numbers JSON.stringify cannot write survive. */
const jsonText: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text.map((t) => JSON.stringify(t)),
    hugeNumber,
    fc.constantFrom('true', 'false', 'null', '0', '1', '50', '-1'),
    tie('object') as fc.Arbitrary<string>,
    tie('array') as fc.Arbitrary<string>,
  ),
  object: fc
    .array(
      fc.tuple(
        fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'prototype')),
        tie('value') as fc.Arbitrary<string>,
      ),
      {
        maxLength: 3,
      },
    )
    .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  array: fc
    .array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 })
    .map((items) => `[${items.join(',')}]`),
})).value;
const field = (name: string, value: fc.Arbitrary<string>) =>
  fc.option(
    value.map((v) => `${JSON.stringify(name)}:${v}`),
    { nil: undefined },
  );
const objectOf = (...fields: fc.Arbitrary<string | undefined>[]) =>
  fc.tuple(...fields).map((parts) => `{${parts.filter((p) => p !== undefined).join(',')}}`);
const stringValue = fc.oneof(
  text.map((t) => JSON.stringify(t)),
  jsonText,
);
const filter = fc.oneof(
  jsonText,
  fc.constantFrom(
    '{"__proto__":"x"}',
    '{"__proto__":{"lang":"en"}}',
    '{"lang":"en"}',
    '{"lang":"\\u0000"}',
    '{"lang":"\\ud800"}',
  ),
);
const documentBody = objectOf(
  field('id', fc.oneof(stringValue, fc.constantFrom('"."', '".."', '"a.b"', '"..."', '"%2e%2e"'))),
  field('text', fc.oneof({ weight: 3, arbitrary: text.map((t) => JSON.stringify(`doc ${t}`)) }, jsonText)),
  field('title', stringValue),
  field('source', stringValue),
  field('metadata', fc.oneof(jsonText, fc.constantFrom('{"__proto__":"x"}', '{"lang":"en","n":1e308}'))),
  field('format', fc.constantFrom('"text"', '"markdown"', '"html"', '"pdf"', '1')),
);
const searchBody = objectOf(
  field(
    'query',
    fc.oneof({ weight: 3, arbitrary: text.map((t) => JSON.stringify(`rollback ${t}`)) }, jsonText),
  ),
  field('topK', fc.oneof(hugeNumber, fc.constantFrom('1', '10', '50', '51', '0', '"5"'))),
  field('mode', fc.constantFrom('"hybrid"', '"vector"', '"keyword"', '"other"', 'null')),
  field('mmr', fc.oneof(jsonText, fc.constantFrom('{"lambda":0.5}', '{"lambda":1e400}'))),
  field('filter', filter),
);
const answerBody = objectOf(
  field(
    'question',
    fc.oneof({ weight: 3, arbitrary: text.map((t) => JSON.stringify(`how to roll back ${t}`)) }, jsonText),
  ),
  field('topK', fc.oneof(hugeNumber, fc.constantFrom('1', '5', '20', '21'))),
);

/** A lone surrogate has no UTF-8: spell it as the (invalid) bytes a careless client would send. */
function encodeSegment(t: string): string {
  try {
    return encodeURIComponent(t);
  } catch {
    return `${encodeURIComponent(t.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/** Path segments: valid names, dotted ids, encodings good and bad. */
const badEncoding = fc.constantFrom(
  '%ZZ',
  '%C0%AF',
  '%E0%A4%A',
  '%',
  '%2',
  '%FF',
  '%00',
  '%2e%2e',
  '%2F',
  '%25',
);
const segment = fc.oneof(
  fc.constantFrom('fz', 'fz', 'fz', 'missing', 'FZ', 'docs'),
  fc.constantFrom('.', '..', '...', 'a.b', 'doc-1', 'doc-2'),
  badEncoding,
  text.map(encodeSegment),
  fc.tuple(fc.constantFrom('fz', 'a'), badEncoding).map(([a, b]) => a + b),
);
const auth = fc.constantFrom<Sent['auth']>('admin', 'admin', 'ingest', 'read', 'none', 'garbage');

const sent: fc.Arbitrary<Sent> = fc.oneof(
  fc.record({
    method: fc.constant('POST'),
    path: segment.map((c) => `/v1/collections/${c}/documents`),
    auth,
    body: documentBody,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: segment.map((c) => `/v1/collections/${c}/documents`),
    auth,
    body: fc.array(documentBody, { maxLength: 3 }).map((docs) => `{"documents":[${docs.join(',')}]}`),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'DELETE'),
    path: fc.tuple(segment, segment).map(([c, d]) => `/v1/collections/${c}/documents/${d}`),
    auth,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: segment.map((c) => `/v1/collections/${c}/search`),
    auth,
    body: searchBody,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: segment.map((c) => `/v1/collections/${c}/answer`),
    auth,
    body: answerBody,
    accept: fc.constantFrom(
      'application/json',
      'text/event-stream',
      'text/event-stream, application/json',
      '*/*',
    ),
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/v1/collections'),
    auth,
    body: objectOf(
      field(
        'name',
        fc.oneof(
          stringValue,
          segment.map((s) => JSON.stringify(s)),
        ),
      ),
    ),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH'),
    path: segment.map((c) => `/v1/collections/${c}`),
    auth,
  }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'OPTIONS', 'HEAD'),
    path: fc.oneof(
      fc.constantFrom(
        '/health/live',
        '/health/ready',
        '/version',
        '/metrics',
        '/METRICS',
        '/metrics/',
        '/openapi.json',
        '/v1',
        '/v1/',
        '/v1/collections/',
      ),
      fc.tuple(fc.constantFrom('/v1/', '/', '/health/'), segment).map(([a, b]) => a + b),
    ),
    auth,
    body: fc.option(jsonText, { nil: undefined }),
  }),
);

/** A 4xx is a problem document whose status is the response's. */
function isProblem(a: { status: number; contentType: string; body: string }): boolean {
  if (!a.contentType.startsWith('application/problem+json')) return false;
  try {
    return (JSON.parse(a.body) as { status?: unknown }).status === a.status;
  } catch {
    return false;
  }
}

describe('every endpoint under hostile input (fuzz)', () => {
  let svc: ServiceUnderTest;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: REQUESTS_PER_RUN });
  beforeAll(async () => {
    svc = await startServiceUnderTest({ AUTH_FAILURES_PER_MINUTE: '1000000', MAX_BODY_BYTES: '16384' });
    port = Number(new URL(await svc.listen()).port);
    for (const name of ['fz', 'docs']) {
      await send({ method: 'POST', path: '/v1/collections', auth: 'admin', body: JSON.stringify({ name }) });
    }
    for (const id of ['doc-1', 'doc-2', 'a.b', '...']) {
      const body = JSON.stringify({
        id,
        text: `How to roll back a deploy: ${id}.`,
        metadata: { lang: 'en' },
      });
      await send({ method: 'POST', path: '/v1/collections/fz/documents', auth: 'ingest', body });
    }
  }, 60_000);
  afterAll(async () => {
    agent.destroy();
    await svc?.stop();
  });

  function send(r: Sent): Promise<{ status: number; contentType: string; body: string }> {
    const headers: Record<string, string> = {};
    if (r.auth === 'garbage') headers.authorization = 'Bearer slw_not-a-key';
    else if (r.auth !== 'none') headers.authorization = svc.auth(r.auth).Authorization;
    if (r.body !== undefined) {
      headers['content-type'] = 'application/json';
      // explicit: Node's client sends a GET/DELETE/OPTIONS body unframed otherwise
      headers['content-length'] = String(Buffer.byteLength(r.body));
    }
    if (r.accept) headers.accept = r.accept;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error) => reject(new Error(`${r.method} ${r.path} (${r.auth}): ${error.message}`)));
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${r.method} ${r.path}`)));
      req.end(r.body);
    });
  }

  it(`answers ≥ 10,000 requests without a 5xx (seed ${seed})`, async () => {
    let count = 0;
    const failures: string[] = [];
    await fc
      .assert(
        fc.asyncProperty(
          fc.array(sent, { minLength: REQUESTS_PER_RUN, maxLength: REQUESTS_PER_RUN }),
          async (batch) => {
            const answers = await Promise.all(batch.map(send));
            count += batch.length;
            const bad = answers
              .map((a, i) => ({ a, r: batch[i] as Sent }))
              .filter(
                ({ a, r }) => a.status >= 500 || (a.status >= 400 && r.method !== 'HEAD' && !isProblem(a)),
              );
            for (const { a, r } of bad)
              failures.push(`${a.status} ${JSON.stringify(r)} -> ${a.body.slice(0, 300)}`);
            expect(bad).toEqual([]);
          },
        ),
        { numRuns: RUNS, seed, endOnFailure: true },
      )
      .catch((error: Error) => {
        throw new Error(
          `fuzz failed with seed ${seed} (rerun: FUZZ_SEED=${seed}): ${failures.slice(0, 5).join('\n')}\n${error.message}\ncause: ${String((error as { cause?: unknown }).cause)}`,
        );
      });
    expect(count).toBeGreaterThanOrEqual(10_000);
    expect((await send({ method: 'GET', path: '/health/live', auth: 'none' })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/health/ready', auth: 'none' })).status).toBe(200);
  }, 600_000);
});
