// A large ingest is embedded and written slice by slice (documents/embedding-pipeline.ts): these tests fail it
// in the middle — after some slices' vectors are already in Chroma — and check that the request is still all
// or nothing across Postgres and Chroma.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromaClientFor, startChromaServer, type ChromaServer } from '@slipway/harness';
import pg from 'pg';
import request from 'supertest';
import {
  fakeEmbedding,
  startFakeOpenAIServer,
  type FakeOpenAIServer,
} from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** Small slices, so a request of a few hundred chunks is many slices. */
const VECTORS_PER_SLICE = 64;

/** Distinct documents of about `chunks` chunks each (default chunking: 800 characters). */
function largeDocuments(count: number, tag: string) {
  return Array.from({ length: count }, (_, d) => ({
    id: `${tag}-${d}`,
    text: Array.from(
      { length: 120 },
      (_, s) => `Sentence ${s} of document ${d} (${tag}) on supersonic flow, heat transfer and shock waves.`,
    ).join(' '),
  }));
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('pipelined ingest: a failure in a middle slice leaves nothing in either store', () => {
  let chroma: ChromaServer;
  let fake: FakeOpenAIServer;
  let svc: ServiceUnderTest;
  let db: pg.Client;

  beforeAll(async () => {
    chroma = await startChromaServer({ dataDir: mkdtempSync(join(tmpdir(), 'slipway-chroma-pipeline-')) });
    fake = await startFakeOpenAIServer({ dimensions: 16 });
    svc = await startServiceUnderTest({
      CHROMA_URL: chroma.url,
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: fake.url,
      EMBEDDINGS_DIMENSIONS: '16',
      EMBEDDINGS_TIMEOUT_MS: '500',
      INGEST_SLICE_VECTORS: String(VECTORS_PER_SLICE),
    });
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
    for (const name of ['embedfail', 'chromafail', 'vectors']) {
      const created = await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
    await Promise.allSettled([chroma?.stop(), fake?.close()]);
  });

  const chromaCount = async (collection: string) => {
    const { id } = await svc.runtime.deps.collections.get(collection);
    const handle = await chromaClientFor(chroma.url).getCollection({
      name: svc.runtime.deps.chroma.chromaName(id),
    });
    return handle.count();
  };
  const rows = async (collection: string) => {
    const { id } = await svc.runtime.deps.collections.get(collection);
    const {
      rows: [counts],
    } = await db.query(
      `SELECT (SELECT count(*) FROM documents WHERE collection_id = $1)::int AS documents,
              (SELECT count(*) FROM chunks WHERE collection_id = $1)::int AS chunks`,
      [id],
    );
    return counts as { documents: number; chunks: number };
  };
  const version = async (collection: string) => (await svc.runtime.deps.collections.get(collection)).version;
  const post = (collection: string, documents: unknown[]) =>
    request(svc.app)
      .post(`/v1/collections/${collection}/documents`)
      .set(svc.auth('ingest'))
      .send({ documents });

  it('embedding fails after three slices were added to Chroma: 503, no rows, no vectors; a retry stores it all', async () => {
    const documents = largeDocuments(30, 'embed');
    const versionBefore = await version('embedfail');
    // the first three embedding requests (one per slice) answer; every later one hangs past its timeout
    fake.script('embeddings', { kind: 'delay', ms: 0 }, 3);
    fake.script('embeddings', { kind: 'hang' }, 20);
    const failing = post('embedfail', documents).then((res) => res);
    // the writes of the first three slices reach Chroma while the fourth slice is still being embedded
    await waitFor(
      () => chromaCount('embedfail'),
      (n) => n === 3 * VECTORS_PER_SLICE,
      'three slices in Chroma',
    );
    const res = await failing;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await rows('embedfail')).toEqual({ documents: 0, chunks: 0 });
    expect(await chromaCount('embedfail')).toBe(0);
    expect(await version('embedfail')).toBe(versionBefore);

    fake.unscript('embeddings');
    const retried = await post('embedfail', documents);
    expect(retried.status).toBe(201);
    const chunks = (retried.body.documents as { chunks: number; duplicate: boolean }[]).reduce(
      (n, d) => n + d.chunks,
      0,
    );
    expect(chunks).toBeGreaterThan(4 * VECTORS_PER_SLICE);
    expect(retried.body.documents.every((d: { duplicate: boolean }) => !d.duplicate)).toBe(true);
    // the background sweep of the failed attempt's ids never takes the retry's vectors
    await svc.runtime.deps.documents.sweeper.settled();
    expect(await rows('embedfail')).toEqual({ documents: 30, chunks });
    expect(await chromaCount('embedfail')).toBe(chunks);
    expect(await version('embedfail')).toBe(versionBefore + 1);
  });

  it('Chroma stops after the first slices were added: 503, no rows; the vectors are swept once it is back', async () => {
    const documents = largeDocuments(30, 'chroma');
    // slow embeddings keep the request in its pipeline long enough to stop Chroma in the middle of it
    fake.script('embeddings', { kind: 'delay', ms: 150 }, 100);
    const failing = post('chromafail', documents).then((res) => res);
    await waitFor(
      () => chromaCount('chromafail'),
      (n) => n >= VECTORS_PER_SLICE,
      'a first slice in Chroma',
    );
    await chroma.stop();
    const res = await failing;
    fake.unscript('embeddings');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(await rows('chromafail')).toEqual({ documents: 0, chunks: 0 });
    await chroma.restart();
    await waitFor(
      () => chromaCount('chromafail'),
      (n) => n === 0,
      'the failed ingest swept from Chroma',
    );
    expect(await rows('chromafail')).toEqual({ documents: 0, chunks: 0 });
  });

  it('stores in Chroma the vectors the embedder gave, to float32 precision, slice after slice', async () => {
    const res = await post('vectors', largeDocuments(12, 'vectors'));
    expect(res.status).toBe(201);
    const { id } = await svc.runtime.deps.collections.get('vectors');
    const { rows: chunks } = await db.query<{ id: string; text: string }>(
      `SELECT id, text FROM chunks WHERE collection_id = $1 ORDER BY id`,
      [id],
    );
    expect(chunks.length).toBeGreaterThan(2 * VECTORS_PER_SLICE);
    const handle = await chromaClientFor(chroma.url).getCollection({
      name: svc.runtime.deps.chroma.chromaName(id),
    });
    const stored = await handle.get({ ids: chunks.map((c) => c.id), include: ['embeddings', 'metadatas'] });
    const byId = new Map(stored.ids.map((chunkId, i) => [chunkId, i]));
    for (const chunk of chunks) {
      const at = byId.get(chunk.id) as number;
      // Chroma keeps float32 (and a cosine collection may renormalise it): equal to float32 precision
      const expected = fakeEmbedding(chunk.text, 16);
      stored.embeddings[at]!.forEach((value, k) => expect(Math.abs(value - expected[k]!)).toBeLessThan(1e-6));
      expect(stored.metadatas[at]).toEqual({ documentId: chunk.id.split('#')[0] });
    }
  });
});
