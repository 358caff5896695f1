import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config.js';
import { createRuntime } from '../../src/runtime.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** Input findings of the hardening issue: each answers its 4xx, never a 500 (all against real stores). */
describe('input rejected at the edge', () => {
  let svc: ServiceUnderTest;
  let base: string;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ AUTH_FAILURES_PER_MINUTE: '100000' });
    base = await svc.listen();
    await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'edge' }).expect(201);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const postRaw = (path: string, json: string) =>
    request(svc.app).post(path).set(svc.auth('admin')).set('Content-Type', 'application/json').send(json);

  it.each([
    ['GET', '/v1/collections/bad%ZZ'],
    ['DELETE', '/v1/collections/bad%ZZ'],
    ['GET', '/v1/collections/edge/documents/%C0%AF'],
    ['DELETE', '/v1/collections/edge/documents/%E0%A4%A'],
    ['POST', '/v1/collections/%E0%A4%A/search'],
  ])('answers 400 to a malformed percent-encoding: %s %s', async (method, path) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...svc.auth('admin'), 'content-type': 'application/json' },
      body: method === 'POST' ? '{"query":"x"}' : undefined,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  const badText = [
    ['NUL', '"a\\u0000b"'],
    ['a lone high surrogate', '"a\\ud800b"'],
    ['a lone low surrogate', '"\\udc00"'],
  ] as const;
  const documentFields = (bad: string) => [
    ['text', `{"text":${bad}}`],
    ['title', `{"text":"ok","title":${bad}}`],
    ['source', `{"text":"ok","source":${bad}}`],
    ['metadata.lang', `{"text":"ok","metadata":{"lang":${bad}}}`],
    ['documents.1.text', `{"documents":[{"text":"ok"},{"text":${bad}}]}`],
  ];
  for (const [what, bad] of badText) {
    it.each(documentFields(bad))(`answers 422 naming %s for ${what} in a document`, async (field, json) => {
      const res = await postRaw('/v1/collections/edge/documents', json);
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    });
    it.each([
      ['query', 'search', `{"query":${bad}}`],
      ['filter.lang', 'search', `{"query":"ok","filter":{"lang":${bad}}}`],
      ['question', 'answer', `{"question":${bad}}`],
    ])(`answers 422 naming %s for ${what} in a %s request`, async (field, endpoint, json) => {
      const res = await postRaw(`/v1/collections/edge/${endpoint}`, json);
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    });
  }

  it('answers 422 to a metadata key with NUL', async () => {
    const res = await postRaw('/v1/collections/edge/documents', '{"text":"ok","metadata":{"a\\u0000":"x"}}');
    expect(res.status).toBe(422);
  });

  it('answers 422 to a filter made only of __proto__ (it would otherwise filter nothing)', async () => {
    const res = await postRaw('/v1/collections/edge/search', '{"query":"ok","filter":{"__proto__":"x"}}');
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toMatch(/^filter/);
    const stored = await postRaw(
      '/v1/collections/edge/documents',
      '{"text":"ok","metadata":{"__proto__":"x"}}',
    );
    expect(stored.status).toBe(422);
  });

  it('refuses "." and ".." as document ids', async () => {
    for (const id of ['.', '..']) {
      const res = await request(svc.app)
        .post('/v1/collections/edge/documents')
        .set(svc.auth('ingest'))
        .send({ id, text: 'dots' });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe('id');
    }
  });

  it('deletes nothing but what it names when ids are suspicious (a real HTTP client, an admin key)', async () => {
    await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'dots' }).expect(201);
    const neighbours = ['a', 'b', '...', 'a.b'];
    for (const id of neighbours) {
      await request(svc.app)
        .post('/v1/collections/dots/documents')
        .set(svc.auth('ingest'))
        .send({ id, text: `neighbour ${id}` })
        .expect(201);
    }
    // ids a client passes through encodeURIComponent, and dot segments spelled out in the path
    const suspiciousIds = ['.', '..', './a', 'x/../a', '../documents', '..%2f..', '%2e%2e', '', '/'];
    const dotSegments = ['%2e', '%2e%2e', '.%2e', '%2E%2E', '..', '.'];
    const paths = [...suspiciousIds.map((id) => encodeURIComponent(id)), ...dotSegments];
    for (const id of paths) {
      const res = await fetch(`${base}/v1/collections/dots/documents/${id}`, {
        method: 'DELETE',
        headers: svc.auth('admin'),
      });
      expect({ id, status: res.status }).toEqual({ id, status: expect.any(Number) });
      expect({ id, clientError: res.status >= 400 && res.status < 500 }).toEqual({ id, clientError: true });
    }
    const list = await request(svc.app).get('/v1/collections').set(svc.auth('read')).expect(200);
    expect(list.body.collections.map((c: { name: string }) => c.name)).toContain('dots');
    for (const id of neighbours) {
      await request(svc.app)
        .get(`/v1/collections/dots/documents/${encodeURIComponent(id)}`)
        .set(svc.auth('read'))
        .expect(200);
    }
  });
});

describe('cheap things first', () => {
  let svc: ServiceUnderTest;
  let port: number;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ AUTH_FAILURES_PER_MINUTE: '5', REQUEST_TIMEOUT_MS: '1500' });
    port = Number(new URL(await svc.listen()).port);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Sends the head of a request and `bodyBytes` of its body, then waits for whatever comes back. */
  function partialRequest(head: string, firstBytes: string, dripMs?: number): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let drip: NodeJS.Timeout | undefined;
      socket.on('data', (d) => (answer += d.toString('latin1')));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(answer);
      });
      socket.on('error', () => undefined);
      socket.write(head + firstBytes);
      if (dripMs) drip = setInterval(() => socket.write(' '), dripMs);
      setTimeout(() => socket.destroy(), 6000);
    });
  }

  it('answers an unauthenticated request before reading its body', async () => {
    const head =
      'POST /v1/collections/any/documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 200000\r\nConnection: close\r\n\r\n';
    const started = Date.now();
    const answer = await partialRequest(head, '{"text":"');
    expect(answer).toMatch(/^HTTP\/1.1 401/);
    expect(Date.now() - started).toBeLessThan(1500); // before the 1.5 s request timeout could answer
  });

  it('answers 408 to a body that drips in slower than the request timeout', async () => {
    const head =
      'POST /v1/collections/any/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer ${svc.keys.read}\r\nContent-Length: 1000\r\n\r\n`;
    const answer = await partialRequest(head, '{"query":"', 100);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(answer).toMatch(/application\/problem\+json/);
  });

  it('throttles failed authentication per IP with a stricter limit, before any key is checked', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(svc.app).get('/v1/collections').set('Authorization', `Bearer slw_wrong${i}`);
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // the budget is 5 failures per minute per IP (the 401 of an earlier test here counts too)
    const firstThrottled = statuses.indexOf(429);
    expect(firstThrottled).toBeGreaterThanOrEqual(4);
    expect(firstThrottled).toBeLessThanOrEqual(5);
    expect(statuses.slice(0, firstThrottled).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstThrottled).every((s) => s === 429)).toBe(true);
  });
});

describe('failed-auth throttle and known keys', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ AUTH_FAILURES_PER_MINUTE: '3', API_KEY_CACHE_MS: '60000' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('still serves a key verified moments ago from an address that is throttled for guessing', async () => {
    const list = (auth: Record<string, string>) => request(svc.app).get('/v1/collections').set(auth);
    expect((await list(svc.auth('read'))).status).toBe(200);
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) guesses.push((await list({ Authorization: `Bearer slw_guess${i}` })).status);
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
    // the known key is no guess; a key this process has not verified yet is refused before its lookup
    expect((await list(svc.auth('read'))).status).toBe(200);
    expect((await list(svc.auth('admin'))).status).toBe(429);
  });
});

describe('keys in URLs', () => {
  it('are redacted in the problem instance and in the request log', async () => {
    const svc = await startServiceUnderTest();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = parseConfig({
      NODE_ENV: 'test',
      DATABASE_URL: svc.postgres.url,
      CHROMA_URL: svc.chroma.url,
      CHROMA_COLLECTION_PREFIX: svc.chroma.collectionPrefix,
    });
    const runtime = await createRuntime(config, pino({ level: 'info' }, sink));
    try {
      const secret = svc.keys.read;
      const res = await request(runtime.app).get(`/v1/collections?api_key=${secret}&token=t0ps3cret&page=2`);
      expect(res.status).toBe(401);
      expect(res.body.instance).toBe('/v1/collections?api_key=[REDACTED]&token=[REDACTED]&page=2');
      const inPath = await request(runtime.app).get(`/v1/collections/${secret}`);
      expect(JSON.stringify(inPath.body)).not.toContain(secret);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const log = lines.join('');
      expect(log).toContain('/v1/collections?api_key=[REDACTED]');
      expect(log).not.toContain(secret);
      expect(log).not.toContain('t0ps3cret');
    } finally {
      await runtime.close();
      await svc.stop();
    }
  });
});
