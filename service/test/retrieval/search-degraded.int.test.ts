import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startChromaServer, type ChromaServer } from '@slipway/harness';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

describe('search while Chroma is down: keyword results with degraded, never a 5xx', () => {
  let chroma: ChromaServer;
  let svc: ServiceUnderTest;

  beforeAll(async () => {
    // a Chroma server this test owns, so it can stop it mid-test
    chroma = await startChromaServer({ dataDir: mkdtempSync(join(tmpdir(), 'slipway-chroma-search-')) });
    svc = await startServiceUnderTest({ CHROMA_URL: chroma.url });
    expect(
      (await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'ops' })).status,
    ).toBe(201);
    const ingest = await request(svc.app)
      .post('/v1/collections/ops/documents')
      .set(svc.auth('ingest'))
      .send({
        documents: [
          { id: 'rollback', text: 'Roll back a failed deploy by switching nginx to the retained colour.' },
          {
            id: 'backup',
            text: 'Backups dump Postgres nightly; a weekly test restores them.',
            metadata: { t: 1 },
          },
        ],
      });
    expect(ingest.status).toBe(201);
  });
  afterAll(async () => {
    await svc?.stop();
    await chroma?.stop();
  });

  const search = (body: Record<string, unknown>) =>
    request(svc.app).post('/v1/collections/ops/search').set(svc.auth('read')).send(body);

  it('answers hybrid, vector and MMR searches from the keyword side, then recovers after a restart', async () => {
    const healthy = await search({ query: 'roll back deploy', mode: 'hybrid' });
    expect(healthy.status).toBe(200);
    expect(healthy.body.degraded).toBeUndefined();

    await chroma.stop();
    for (const body of [
      { query: 'roll back a deploy', mode: 'hybrid' },
      { query: 'roll back a deploy', mode: 'vector' },
      { query: 'roll back a deploy', mode: 'hybrid', mmr: { lambda: 0.5 } },
      { query: 'roll back deploy', mode: 'hybrid' }, // cached while healthy: the cache still answers
    ]) {
      const res = await search(body);
      expect(res.status).toBe(200);
      expect(res.body.results[0]).toMatchObject({ documentId: 'rollback' });
      if (body.query !== 'roll back deploy') expect(res.body.degraded).toEqual(['vector']);
    }
    const keyword = await search({ query: 'backups restore', mode: 'keyword', filter: { t: 1 } });
    expect(keyword.status).toBe(200);
    expect(keyword.body.degraded).toBeUndefined();
    expect(keyword.body.results[0].documentId).toBe('backup');
    const metrics = await svc.runtime.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/slipway_retrieval_degraded_total\{missing="vector"\} 3/);

    await chroma.restart();
    // degraded results were not cached: the same search is whole again
    const recovered = await search({ query: 'roll back a deploy', mode: 'hybrid' });
    expect(recovered.status).toBe(200);
    expect(recovered.body.degraded).toBeUndefined();
  });
});
