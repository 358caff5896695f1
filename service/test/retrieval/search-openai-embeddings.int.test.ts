import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

describe('search with a remote (OpenAI-protocol) embedding model', () => {
  let embeddings: FakeOpenAIServer;
  let svc: ServiceUnderTest;

  beforeAll(async () => {
    embeddings = await startFakeOpenAIServer({ dimensions: 32 });
    svc = await startServiceUnderTest({
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: embeddings.url,
      EMBEDDINGS_DIMENSIONS: '32',
      EMBEDDINGS_TIMEOUT_MS: '500',
    });
    await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'kb' });
    const ingest = await request(svc.app)
      .post('/v1/collections/kb/documents')
      .set(svc.auth('ingest'))
      .send({
        documents: [
          { id: 'rollback', text: 'Roll back a failed deploy by switching nginx to the retained colour.' },
          { id: 'backup', text: 'Backups dump Postgres nightly and a weekly test restores them.' },
        ],
      });
    expect(ingest.body).toMatchObject({ documents: [{ id: 'rollback' }, { id: 'backup' }] });
  });
  afterAll(async () => {
    await svc?.stop();
    await embeddings?.close();
  });

  const search = (body: Record<string, unknown>) =>
    request(svc.app).post('/v1/collections/kb/search').set(svc.auth('read')).send(body);

  it('embeds a query once (embedding cache), across modes and topK', async () => {
    const before = embeddings.count('embeddings');
    for (const body of [
      { query: 'roll back nginx', mode: 'vector' },
      { query: 'roll back nginx', mode: 'hybrid' },
      { query: 'roll back nginx', mode: 'hybrid', topK: 1 },
    ]) {
      const res = await search(body);
      expect(res.status).toBe(200);
      expect(res.body.degraded).toBeUndefined();
      expect(res.body.results.length).toBeGreaterThan(0);
    }
    expect(embeddings.count('embeddings')).toBe(before + 1);
  });

  it('degrades to keyword results when the embedding endpoint fails', async () => {
    embeddings.script('embeddings', { kind: 'fail', status: 500 }, 10);
    const res = await search({ query: 'backups restore postgres', mode: 'hybrid' });
    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual(['vector']);
    expect(res.body.results[0].documentId).toBe('backup');
  });
});
