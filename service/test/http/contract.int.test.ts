import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const problemShape = (body: Record<string, unknown>, status: number) => {
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^urn:slipway:problem:[a-z-]+$/),
      title: expect.any(String),
      status,
      instance: expect.any(String),
      requestId: expect.any(String),
    }),
  );
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
};

describe('HTTP contract', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ MAX_BODY_BYTES: '2048' });
  });
  afterAll(async () => svc?.stop());

  it('answers 401 problem+json without a key, with WWW-Authenticate', async () => {
    const res = await request(svc.app).get('/v1/collections');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    problemShape(res.body, 401);
  });

  it('answers 401 for an unknown key and for a malformed Authorization header', async () => {
    const unknown = await request(svc.app)
      .get('/v1/collections')
      .set('Authorization', 'Bearer slw_nope-nope-nope-nope');
    expect(unknown.status).toBe(401);
    const malformed = await request(svc.app).get('/v1/collections').set('Authorization', 'Basic abc');
    expect(malformed.status).toBe(401);
    problemShape(malformed.body, 401);
  });

  it('answers 403 when the key lacks the scope', async () => {
    const res = await request(svc.app).post('/v1/collections').set(svc.auth('read')).send({ name: 'nope' });
    expect(res.status).toBe(403);
    problemShape(res.body, 403);
    const ingest = await request(svc.app).delete('/v1/collections/nope').set(svc.auth('ingest'));
    expect(ingest.status).toBe(403);
  });

  it('lets a higher scope do a lower scope’s work (admin ⊇ ingest ⊇ read)', async () => {
    for (const scope of ['read', 'ingest', 'admin'] as const) {
      const res = await request(svc.app).get('/v1/collections').set(svc.auth(scope));
      expect(res.status).toBe(200);
    }
  });

  it('answers 413 for a body over MAX_BODY_BYTES', async () => {
    const res = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'big', pad: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    problemShape(res.body, 413);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(res.status).toBe(400);
    problemShape(res.body, 400);
    expect(res.body.type).toBe('urn:slipway:problem:malformed-json');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .set('Content-Type', 'text/plain')
      .send('name=x');
    expect(res.status).toBe(415);
    problemShape(res.body, 415);
  });

  it('answers 422 with field errors for schema violations', async () => {
    const res = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'Bad Name!', extra: 1 });
    expect(res.status).toBe(422);
    problemShape(res.body, 422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name']));
    expect(res.body.errors.length).toBeGreaterThanOrEqual(2); // the unknown key is reported too
  });

  it('creates, lists, conflicts on and deletes a collection in both stores', async () => {
    const created = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'contract-a' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'contract-a', documents: 0, chunks: 0 });
    const again = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'contract-a' });
    expect(again.status).toBe(409);
    problemShape(again.body, 409);
    const listed = await request(svc.app).get('/v1/collections').set(svc.auth('read'));
    expect(listed.body.collections.map((c: { name: string }) => c.name)).toContain('contract-a');

    const { id } = (await svc.runtime.deps.collections.get('contract-a')) as { id: string };
    const chromaName = svc.runtime.deps.chroma.chromaName(id);
    const chromaNames = async () => {
      const res = await fetch(
        `${svc.chroma.url}/api/v2/tenants/default_tenant/databases/default_database/collections`,
      );
      return ((await res.json()) as { name: string }[]).map((c) => c.name);
    };
    expect(await chromaNames()).toContain(chromaName);

    const deleted = await request(svc.app).delete('/v1/collections/contract-a').set(svc.auth('admin'));
    expect(deleted.status).toBe(204);
    expect(await chromaNames()).not.toContain(chromaName);
    const gone = await request(svc.app).delete('/v1/collections/contract-a').set(svc.auth('admin'));
    expect(gone.status).toBe(404);
    problemShape(gone.body, 404);
  });

  it('gets one collection with its counts; 404 problem for an unknown one; 422 for a bad name; read scope', async () => {
    await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'single' });
    await request(svc.app)
      .post('/v1/collections/single/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'one', text: 'One sentence about rollbacks.' });
    const res = await request(svc.app).get('/v1/collections/single').set(svc.auth('read'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'single',
      version: expect.any(Number),
      documents: 1,
      chunks: 1,
      createdAt: expect.any(String),
    });
    const missing = await request(svc.app).get('/v1/collections/nowhere').set(svc.auth('read'));
    expect(missing.status).toBe(404);
    problemShape(missing.body, 404);
    const bad = await request(svc.app).get('/v1/collections/A!').set(svc.auth('read'));
    expect(bad.status).toBe(422);
    expect((await request(svc.app).get('/v1/collections/single')).status).toBe(401);
    const openapi = await request(svc.app).get('/openapi.json');
    expect(Object.keys(openapi.body.paths['/v1/collections/{name}'])).toEqual(
      expect.arrayContaining(['get', 'delete']),
    );
    expect(openapi.body.paths['/v1/collections/{name}'].get.responses['200']).toBeDefined();
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await request(svc.app).get('/v1/nothing-here').set(svc.auth('read'));
    expect(res.status).toBe(404);
    problemShape(res.body, 404);
  });

  it('sets helmet security headers', async () => {
    const res = await request(svc.app).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('echoes a valid x-request-id and replaces an invalid one', async () => {
    const echoed = await request(svc.app).get('/health/live').set('x-request-id', 'trace-123.abc');
    expect(echoed.headers['x-request-id']).toBe('trace-123.abc');
    const replaced = await request(svc.app).get('/health/live').set('x-request-id', 'bad id with spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await request(svc.app).get('/v1/collections').set('x-request-id', 'req-42');
    expect(problem.body.requestId).toBe('req-42');
  });

  it('reports readiness per dependency, redis skipped without REDIS_URL', async () => {
    const res = await request(svc.app).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.postgres).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(res.body.checks.chroma).toMatchObject({ ok: true });
    expect(res.body.checks.redis).toMatchObject({ ok: 'skipped' });
  });

  it('serves /version, /openapi.json and /docs', async () => {
    expect((await request(svc.app).get('/version')).body).toEqual({
      version: '0.0.0-dev',
      commit: 'unknown',
    });
    const doc = await request(svc.app).get('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/collections', '/health/ready']));
    const ui = await request(svc.app).get('/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('serves /metrics to loopback with the request histogram by route template', async () => {
    const res = await request(svc.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/v1\/collections"/);
    expect(res.text).toContain('process_cpu_seconds_total');
  });
});

describe('metrics allowlist', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    // behind a trusted proxy, the forwarded address is the client: a real non-loopback client as seen by the app
    svc = await startServiceUnderTest({ TRUST_PROXY: 'loopback', METRICS_ALLOW: '10.1.0.0/16' });
  });
  afterAll(async () => svc?.stop());

  it('refuses /metrics to a client outside loopback and METRICS_ALLOW', async () => {
    const res = await request(svc.app).get('/metrics').set('X-Forwarded-For', '203.0.113.7');
    expect(res.status).toBe(403);
    problemShape(res.body, 403);
    expect(res.text).not.toContain('http_request_duration_seconds');
  });

  it('serves /metrics to a client inside METRICS_ALLOW', async () => {
    const res = await request(svc.app).get('/metrics').set('X-Forwarded-For', '10.1.2.3');
    expect(res.status).toBe(200);
  });
});

describe('rate limiting', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => svc?.stop());

  it('answers 429 with Retry-After and RateLimit headers once a key exceeds its limit', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await request(svc.app).get('/v1/collections').set(svc.auth('read'));
      statuses.push(last.status);
      expect(last.headers['ratelimit-policy']).toMatch(/q=3/);
      expect(last.headers['ratelimit']).toMatch(/r=\d+/);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    problemShape(last!.body, 429);
    // limits are per key: another key still passes
    const other = await request(svc.app).get('/v1/collections').set(svc.auth('admin'));
    expect(other.status).toBe(200);
  });

  it('limits unauthenticated callers per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(svc.app).get('/v1/collections')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('request timeout', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ REQUEST_TIMEOUT_MS: '300' });
  });
  afterAll(async () => svc?.stop());

  it('answers 408 request-timeout when a request body stalls past REQUEST_TIMEOUT_MS', async () => {
    const { createServer, request: httpRequest } = await import('node:http');
    const server = createServer(svc.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/v1/collections',
            headers: { ...svc.auth('admin'), 'content-type': 'application/json', 'content-length': 100 },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.write('{"name":'); // and never the rest
      });
      expect(result.status).toBe(408); // the client's body never arrived: its fault, not the service's
      expect(JSON.parse(result.body).type).toBe('urn:slipway:problem:request-timeout');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
