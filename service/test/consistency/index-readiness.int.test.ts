import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

// A new process (a new colour) builds its collections' keyword indexes before /health/ready says ready,
// bounded by KEYWORD_INDEX_WARM_TIMEOUT_MS; past it the process is ready, serves keyword search from SQL and
// says so. The build is held back for real: another session locks the chunks table.
describe('readiness waits for the keyword indexes', () => {
  let seed: ServiceUnderTest | undefined;
  let svc: ServiceUnderTest | undefined;
  let locker: pg.Client | undefined;

  afterEach(async () => {
    await locker?.end().catch(() => undefined);
    await svc?.stop();
    await seed?.stop();
    seed = svc = locker = undefined;
  });

  /** A database with one collection and a document, then the chunks table locked by another session. */
  async function seededAndLocked(): Promise<ServiceUnderTest> {
    seed = await startServiceUnderTest();
    const admin = seed.auth('admin');
    expect((await request(seed.app).post('/v1/collections').set(admin).send({ name: 'warm' })).status).toBe(
      201,
    );
    const ingest = await request(seed.app)
      .post('/v1/collections/warm/documents')
      .set(admin)
      .send({ id: 'shock', text: 'Shock waves in supersonic flow over a wedge.' });
    expect(ingest.status).toBe(201);
    locker = new pg.Client({ connectionString: seed.postgres.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE');
    return seed;
  }

  const ready = async (s: ServiceUnderTest) => {
    const res = await request(s.app).get('/health/ready');
    return {
      status: res.status,
      body: res.body as { status: string; checks: Record<string, { ok: unknown; error?: string }> },
    };
  };
  const untilReady = async (s: ServiceUnderTest) => {
    for (let i = 0; i < 100; i++) {
      const r = await ready(s);
      if (r.status === 200) return r;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('never ready');
  };

  it('is not ready while building, and ready with the index once built', async () => {
    const base = await seededAndLocked();
    svc = await startServiceUnderTest({
      DATABASE_URL: base.postgres.url,
      CHROMA_URL: base.chroma.url,
      CHROMA_COLLECTION_PREFIX: base.chroma.collectionPrefix,
      KEYWORD_INDEX_WARM_TIMEOUT_MS: '60000',
    });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // readiness results are shared for 1 s
    const building = await ready(svc);
    expect(building.status).toBe(503);
    expect(building.body.checks.keyword_index).toMatchObject({
      ok: false,
      error: 'building the keyword indexes',
    });
    expect(building.body.checks.postgres!.ok).toBe(true);

    await locker!.query('COMMIT');
    const done = await untilReady(svc);
    expect(done.body.status).toBe('ok');
    expect(done.body.checks.keyword_index!.ok).toBe(true);
    expect(svc.runtime.deps.keywordIndexes!.status()).toMatchObject({ collections: 1, chunks: 1 });
  });

  it('past the timeout it is ready, says the SQL path serves, and answers keyword search', async () => {
    const base = await seededAndLocked();
    svc = await startServiceUnderTest({
      DATABASE_URL: base.postgres.url,
      CHROMA_URL: base.chroma.url,
      CHROMA_COLLECTION_PREFIX: base.chroma.collectionPrefix,
      KEYWORD_INDEX_WARM_TIMEOUT_MS: '300',
    });
    const degraded = await untilReady(svc);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks.keyword_index).toMatchObject({
      ok: false,
      error: 'serving keyword search from SQL: the start-up index build timed-out',
    });

    await locker!.query('COMMIT');
    const search = await request(svc.app)
      .post('/v1/collections/warm/search')
      .set(svc.auth('read'))
      .send({ query: 'supersonic shock', mode: 'keyword' });
    expect(search.status).toBe(200);
    expect(search.body.results.map((r: { documentId: string }) => r.documentId)).toEqual(['shock']);
  });
});
