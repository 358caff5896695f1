import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

interface Result {
  documentId: string;
  chunkId: string;
  title: string | null;
  source: string | null;
  text: string;
  score: number;
  span: { start: number; end: number };
}

const corpus = [
  {
    id: 'rollback',
    title: 'Rollback',
    metadata: { team: 'platform', kind: 'runbook' },
    text: 'When a deploy fails its health gate, the old colour keeps serving. To roll back by hand, run the deploy action with the rollback command; it starts the retained colour and switches nginx.',
  },
  {
    id: 'backups',
    title: 'Backups',
    metadata: { team: 'platform', kind: 'runbook' },
    text: 'Nightly backups dump Postgres with pg_dump and copy the Chroma directory. A restore test runs every week and loads the newest backup into fresh stores.',
  },
  {
    id: 'tls',
    title: 'TLS certificates',
    metadata: { team: 'security', kind: 'runbook' },
    text: 'Certbot renews the TLS certificates through the webroot. nginx reloads after a renewal so the new certificate is served.',
  },
  {
    id: 'alerts',
    title: 'Alerting',
    metadata: { team: 'sre', kind: 'guide' },
    text: 'Prometheus evaluates burn-rate alerts over two windows. Alertmanager routes pages to the on-call engineer.',
  },
  {
    id: 'keys',
    title: 'API keys',
    metadata: { team: 'security', kind: 'guide' },
    text: 'API keys are random, stored hashed with a server pepper, and carry the scopes read, ingest or admin. Revoke a leaked key with the keys CLI.',
  },
  // three texts about the same thing (MMR should spread over them) and one near-copy (suppressed)
  {
    id: 'cache-a',
    title: 'Caches A',
    metadata: { team: 'platform', kind: 'guide' },
    text: 'The retrieval cache keeps search results in Redis keyed by collection version, so an ingest invalidates the retrieval cache.',
  },
  {
    id: 'cache-a-copy',
    title: 'Caches A (copy)',
    metadata: { team: 'platform', kind: 'guide' },
    text: 'The retrieval cache keeps search results in Redis keyed by collection version, so an ingest invalidates the retrieval cache!',
  },
  {
    id: 'cache-b',
    title: 'Caches B',
    metadata: { team: 'platform', kind: 'guide' },
    text: 'Search results live in the retrieval cache in Redis; the key carries the collection version and an ingest bumps it, invalidating the cache.',
  },
  {
    id: 'cache-c',
    title: 'Rate limits',
    metadata: { team: 'sre', kind: 'guide' },
    text: 'Rate limit counters also live in Redis, per API key, and fall back to memory during a Redis outage; the cache does too.',
  },
];

describe('POST /v1/collections/:name/search on real Postgres and Chroma', () => {
  let svc: ServiceUnderTest;
  let db: pg.Client;
  const texts = new Map(corpus.map((d) => [d.id, d.text]));

  const search = (body: Record<string, unknown>, collection = 'kb') =>
    request(svc.app).post(`/v1/collections/${collection}/search`).set(svc.auth('read')).send(body);

  beforeAll(async () => {
    svc = await startServiceUnderTest();
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
    await svc.seedCollection('kb', corpus);
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
  });

  it.each(['keyword', 'vector', 'hybrid'] as const)(
    '%s: the relevant document first, spans index the stored text',
    async (mode) => {
      const res = await search({ query: 'how do I roll back a failed deploy', mode, topK: 3 });
      expect(res.status).toBe(200);
      const results = res.body.results as Result[];
      expect(res.body.degraded).toBeUndefined();
      expect(results.length).toBeGreaterThan(0);
      expect(results.length).toBeLessThanOrEqual(3);
      expect(results[0]).toMatchObject({ documentId: 'rollback', title: 'Rollback', chunkId: 'rollback#0' });
      for (const r of results) {
        expect(texts.get(r.documentId)!.slice(r.span.start, r.span.end)).toBe(r.text);
        expect(typeof r.score).toBe('number');
      }
      const scores = results.map((r) => r.score);
      if (mode !== 'hybrid') expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    },
  );

  it('defaults to hybrid with topK 10, and finds a document by a word only it has', async () => {
    const res = await search({ query: 'certbot' });
    expect(res.status).toBe(200);
    expect(res.body.results[0].documentId).toBe('tls');
    expect(res.body.results.length).toBeLessThanOrEqual(10);
  });

  it('filters on metadata equality in every mode', async () => {
    for (const mode of ['keyword', 'vector', 'hybrid']) {
      const res = await search({
        query: 'keys certificates cache redis',
        mode,
        filter: { team: 'security' },
      });
      expect(res.status).toBe(200);
      const ids = new Set((res.body.results as Result[]).map((r) => r.documentId));
      expect([...ids].sort()).toEqual(['keys', 'tls']);
      const both = await search({
        query: 'keys certificates cache redis',
        mode,
        filter: { team: 'security', kind: 'guide' },
      });
      expect((both.body.results as Result[]).map((r) => r.documentId)).toEqual(['keys']);
    }
  });

  it('suppresses near-duplicates: one of two almost identical chunks is returned', async () => {
    const res = await search({ query: 'retrieval cache invalidates ingest', mode: 'keyword', topK: 10 });
    const ids = (res.body.results as Result[]).map((r) => r.documentId);
    expect(ids.filter((id) => id === 'cache-a' || id === 'cache-a-copy')).toHaveLength(1);
  });

  it('MMR moves the ordering towards diversity', async () => {
    const query = 'retrieval cache redis collection version ingest';
    const plain = await search({ query, mode: 'hybrid', topK: 3 });
    const diverse = await search({ query, mode: 'hybrid', topK: 3, mmr: { lambda: 0.1 } });
    expect(plain.status).toBe(200);
    expect(diverse.status).toBe(200);
    const plainIds = (plain.body.results as Result[]).map((r) => r.documentId);
    const diverseIds = (diverse.body.results as Result[]).map((r) => r.documentId);
    // both start with the best match; MMR then prefers what the first result does not already say
    expect(diverseIds[0]).toBe(plainIds[0]);
    expect(diverseIds).not.toEqual(plainIds);
    const cacheTexts = new Set(['cache-a', 'cache-a-copy', 'cache-b']);
    expect(diverseIds.filter((id) => cacheTexts.has(id)).length).toBeLessThan(
      plainIds.filter((id) => cacheTexts.has(id)).length,
    );
    // lambda 1 is plain relevance order
    const relevance = await search({ query, mode: 'hybrid', topK: 3, mmr: { lambda: 1 } });
    expect((relevance.body.results as Result[]).map((r) => r.documentId)).toEqual(plainIds);
  });

  it('caches a search and an ingest invalidates it: the new document shows up', async () => {
    const query = 'kubernetes operator reconciles custom resources';
    const hits = async () =>
      Number(
        (await svc.runtime.deps.metrics.cacheRequests.get()).values.find(
          (v) => v.labels.cache === 'retrieval' && v.labels.result === 'hit',
        )?.value ?? 0,
      );
    const first = await search({ query, mode: 'hybrid', topK: 5 });
    expect(first.status).toBe(200);
    expect((first.body.results as Result[]).map((r) => r.documentId)).not.toContain('operator');
    const before = await hits();
    const again = await search({ query, mode: 'hybrid', topK: 5 });
    expect(again.body).toEqual(first.body);
    expect(await hits()).toBe(before + 1);

    const ingest = await request(svc.app)
      .post('/v1/collections/kb/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'operator', text: 'The Kubernetes operator reconciles custom resources in a loop.' });
    expect(ingest.status).toBe(201);
    const after = await search({ query, mode: 'hybrid', topK: 5 });
    expect((after.body.results as Result[])[0]!.documentId).toBe('operator');
    expect(await hits()).toBe(before + 1);
    texts.set('operator', 'The Kubernetes operator reconciles custom resources in a loop.');
  });

  it('does not cache a keyword search answered from the in-memory index, and caches one from SQL', async () => {
    const lookups = async () =>
      (await svc.runtime.deps.metrics.cacheRequests.get()).values
        .filter((v) => v.labels.cache === 'retrieval')
        .reduce((sum, v) => sum + v.value, 0);
    const memorySearches = async () =>
      (await svc.runtime.deps.metrics.keywordSearches.get()).values.find((v) => v.labels.path === 'memory')
        ?.value ?? 0;
    const query = { query: 'nightly backups restore test', mode: 'keyword', topK: 3 };
    // the index is built in the background after the last ingest: search until it answers
    for (let tries = 0; ; tries++) {
      const before = await memorySearches();
      expect((await search(query)).status).toBe(200);
      if ((await memorySearches()) > before) break;
      if (tries > 100) throw new Error('the keyword index never became current');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = await lookups();
    const res = await search(query);
    expect((res.body.results as Result[])[0]!.documentId).toBe('backups');
    expect(await lookups()).toBe(before);
    // a filtered keyword search runs the SQL, and that is worth caching
    await search({ ...query, filter: { team: 'platform' } });
    expect(await lookups()).toBe(before + 1);
  });

  it('writes a query_audit row per search with key id, request id, mode, variant and latency', async () => {
    const res = await search({ query: 'burn-rate alerts', mode: 'keyword' }).set(
      'x-request-id',
      'audit-me-1',
    );
    expect(res.status).toBe(200);
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      row = (await db.query(`SELECT * FROM query_audit WHERE request_id = 'audit-me-1'`)).rows[0];
      if (!row) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toMatchObject({
      kind: 'search',
      mode: 'keyword',
      query: 'burn-rate alerts',
      result_count: res.body.results.length,
      api_key_id: expect.any(String),
      variant: 'control',
    });
    expect(row!.latency_ms).toBeGreaterThan(0);
    const metrics = await svc.runtime.deps.metrics.registry.metrics();
    expect(metrics).toMatch(
      /slipway_retrieval_duration_seconds_count\{mode="keyword",variant="control"\} [1-9]/,
    );
  });

  it('validates: 422 for a bad body, 404 for an unknown collection, 401 without a key', async () => {
    const bad = await search({ query: '', topK: 51, mode: 'semantic', mmr: { lambda: 2 } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['query', 'topK', 'mode', 'mmr.lambda']),
    );
    expect((await search({ query: 'x' }, 'nope')).status).toBe(404);
    const anonymous = await request(svc.app).post('/v1/collections/kb/search').send({ query: 'x' });
    expect(anonymous.status).toBe(401);
  });

  it('documents search and answer in the OpenAPI document', async () => {
    const res = await request(svc.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths['/v1/collections/{name}/search'])).toEqual(['post']);
    expect(Object.keys(res.body.paths['/v1/collections/{name}/answer'])).toEqual(['post']);
    expect(res.body.components.schemas).toHaveProperty('SearchRequest');
    expect(res.body.components.schemas).toHaveProperty('AnswerResponse');
  });

  it('returns no results (not an error) when nothing matches a keyword search', async () => {
    const res = await search({ query: 'zyxwvut qwertyuiop', mode: 'keyword' });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([]);
  });
});
