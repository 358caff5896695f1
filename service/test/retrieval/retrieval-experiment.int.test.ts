import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

interface Result {
  chunkId: string;
  score: number;
}

const corpus = [
  {
    id: 'rollback',
    title: 'Rollback',
    text: 'When a deploy fails its health gate, the old colour keeps serving. To roll back by hand, run the deploy action with the rollback command.',
  },
  {
    id: 'backups',
    title: 'Backups',
    text: 'Nightly backups dump Postgres with pg_dump and copy the Chroma directory. A restore test loads the newest backup.',
  },
  {
    id: 'alerts',
    title: 'Alerting',
    text: 'Prometheus evaluates burn-rate alerts over two windows. Alertmanager routes pages to the on-call engineer.',
  },
  {
    id: 'deploys',
    title: 'Deploys',
    text: 'A deploy builds the image, runs the migrations, starts the idle colour and switches nginx once it is healthy.',
  },
];

const query = 'how does a deploy roll back when the health gate fails';

// A real runtime on harness stores with two allocated variants (control and keyword-only, half each) and
// one reachable only by the admin header (keyword-heavy fusion weights).
describe('retrieval experiments on real Postgres and Chroma', () => {
  let svc: ServiceUnderTest;
  let db: pg.Client;
  /** A read key assigned to each allocated variant (found by asking the service). */
  const keyIn = new Map<string, string>();
  let requestCounter = 0;

  const search = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    request(svc.app)
      .post('/v1/collections/kb/search')
      .set({ Authorization: `Bearer ${key}`, 'x-request-id': `experiment-${++requestCounter}`, ...headers })
      .send(body);

  const auditRow = async (requestId: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await db.query(`SELECT * FROM query_audit WHERE request_id = $1`, [requestId]);
      if (rows[0] || Date.now() > deadline) return rows[0] as Record<string, unknown> | undefined;
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      RETRIEVAL_VARIANTS: JSON.stringify({
        'keyword-only': { mode: 'keyword' },
        'keyword-heavy': { keywordWeight: 5, vectorWeight: 0.2, feedback: { chunks: 0 } },
      }),
      RETRIEVAL_VARIANT_ALLOCATION: 'control=50,keyword-only=50',
      RETRIEVAL_EXPERIMENT_SALT: 'int-test',
    });
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
    await svc.seedCollection('kb', corpus);
    // new read keys until one lands in each variant (half each: 40 keys all in one has odds 2^-39)
    for (let i = 0; i < 40 && keyIn.size < 2; i++) {
      const { key } = await svc.runtime.deps.keys.create(`experiment-${i}`, ['read']);
      const res = await search(key, { query: 'backups', topK: 1 });
      expect(res.status).toBe(200);
      if (!keyIn.has(res.body.variant)) keyIn.set(res.body.variant, key);
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await svc?.stop();
  });

  it('assigns keys to the allocated variants, the same variant on every request', async () => {
    expect([...keyIn.keys()].sort()).toEqual(['control', 'keyword-only']);
    for (const [variant, key] of keyIn) {
      for (let i = 0; i < 3; i++) {
        const res = await search(key, { query: `attempt ${i} of ${variant}` });
        expect(res.status).toBe(200);
        expect(res.body.variant).toBe(variant);
        expect(res.get('x-slipway-variant')).toBe(variant);
      }
    }
  });

  it("applies each key's variant: its default mode, unless the request names a mode itself", async () => {
    const control = keyIn.get('control')!;
    const keywordOnly = keyIn.get('keyword-only')!;
    const scores = async (key: string, body: Record<string, unknown>) => {
      const res = await search(key, { query, topK: 4, ...body });
      expect(res.status).toBe(200);
      return (res.body.results as Result[]).map((r) => [r.chunkId, r.score]);
    };
    const asKeywordVariant = await scores(keywordOnly, {});
    const asControl = await scores(control, {});
    expect(asKeywordVariant).toEqual(await scores(control, { mode: 'keyword' }));
    expect(asControl).toEqual(await scores(control, { mode: 'hybrid' }));
    expect(asKeywordVariant).not.toEqual(asControl);
    // the request's own mode wins over the variant's
    expect(await scores(keywordOnly, { mode: 'hybrid' })).toEqual(asControl);
  });

  it('records the variant and the mode actually used in the query audit', async () => {
    const keywordOnly = await search(keyIn.get('keyword-only')!, { query: 'burn-rate alerts' });
    const overridden = await search(keyIn.get('keyword-only')!, {
      query: 'burn-rate alerts',
      mode: 'vector',
    });
    const control = await search(keyIn.get('control')!, { query: 'burn-rate alerts' });
    for (const res of [keywordOnly, overridden, control]) expect(res.status).toBe(200);
    expect(await auditRow(keywordOnly.get('x-request-id')!)).toMatchObject({
      kind: 'search',
      variant: 'keyword-only',
      mode: 'keyword',
    });
    expect(await auditRow(overridden.get('x-request-id')!)).toMatchObject({
      variant: 'keyword-only',
      mode: 'vector',
    });
    expect(await auditRow(control.get('x-request-id')!)).toMatchObject({
      variant: 'control',
      mode: 'hybrid',
    });
  });

  it('answers under the variant too: response, audit row and metric label', async () => {
    const res = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set({ Authorization: `Bearer ${keyIn.get('keyword-only')!}`, 'x-request-id': 'experiment-answer' })
      .send({ question: 'What does a restore test load?' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ variant: 'keyword-only', mode: 'extractive' });
    expect(res.get('x-slipway-variant')).toBe('keyword-only');
    expect(await auditRow('experiment-answer')).toMatchObject({
      kind: 'answer',
      variant: 'keyword-only',
      mode: 'keyword',
    });
    const metrics = await request(svc.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /slipway_answers_total\{mode="extractive",cached="false",variant="keyword-only"\} [1-9]/,
    );
  });

  it('names the variant of a streamed answer in its header and final citations event', async () => {
    const res = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set({ Authorization: `Bearer ${keyIn.get('keyword-only')!}`, Accept: 'text/event-stream' })
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(null, text));
      })
      .send({ question: 'What evaluates burn-rate alerts?' });
    expect(res.status).toBe(200);
    expect(res.get('x-slipway-variant')).toBe('keyword-only');
    const events = (res.body as string)
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>,
      }));
    expect(events.at(-1)).toMatchObject({ event: 'citations', data: { variant: 'keyword-only' } });
  });

  it('labels the search latency metric with the variant', async () => {
    const metrics = await request(svc.app).get('/metrics');
    expect(metrics.text).toMatch(
      /slipway_retrieval_duration_seconds_count\{mode="keyword",variant="keyword-only"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /slipway_retrieval_duration_seconds_count\{mode="hybrid",variant="control"\} [1-9]/,
    );
  });

  it("lets an admin key choose a variant by header, and its fusion weights apply (not control's cache)", async () => {
    const admin = svc.keys.admin;
    const control = await search(admin, { query, topK: 4 }, { 'X-Slipway-Variant': 'control' });
    const heavy = await search(admin, { query, topK: 4 }, { 'X-Slipway-Variant': 'keyword-heavy' });
    expect(control.status).toBe(200);
    expect(heavy.status).toBe(200);
    expect(control.body.variant).toBe('control');
    expect(heavy.body.variant).toBe('keyword-heavy');
    expect(heavy.get('x-slipway-variant')).toBe('keyword-heavy');
    // weighted RRF: the top result's score is 5/61 + 0.2/(60 + rank) with these weights, at most 2/61 in control
    const top = (res: typeof control) => (res.body.results as Result[])[0]!.score;
    expect(top(heavy)).toBeGreaterThan(5 / 61);
    expect(top(control)).toBeLessThanOrEqual(2 / 61 + 1e-12);
    expect(await auditRow(heavy.get('x-request-id')!)).toMatchObject({ variant: 'keyword-heavy' });
  });

  it('refuses the header from a read key (403) and an unknown variant (400), as problem+json', async () => {
    const fromReadKey = await search(
      keyIn.get('control')!,
      { query },
      { 'X-Slipway-Variant': 'keyword-only' },
    );
    expect(fromReadKey.status).toBe(403);
    expect(fromReadKey.type).toBe('application/problem+json');
    expect(fromReadKey.body.detail).toContain('X-Slipway-Variant');
    const unknown = await search(svc.keys.admin, { query }, { 'X-Slipway-Variant': 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.type).toBe('application/problem+json');
    expect(unknown.body.detail).toContain('control, keyword-only, keyword-heavy');
  });

  it('documents the variant in the OpenAPI schema', async () => {
    const res = await request(svc.app).get('/openapi.json');
    const schemas = res.body.components.schemas;
    expect(schemas.SearchResponse.properties.variant).toMatchObject({ type: 'string' });
    expect(schemas.AnswerResponse.properties.variant).toMatchObject({ type: 'string' });
    const parameters = res.body.paths['/v1/collections/{name}/search'].post.parameters;
    expect(parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'x-slipway-variant' })]),
    );
  });
});
