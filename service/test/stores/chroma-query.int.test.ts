// ChromaGateway.query posts to Chroma's HTTP API itself (docs/adr/0016-own-calls-to-chroma-on-the-hot-path.md);
// it must answer exactly what the chromadb client's `collection.query` answers, on a real Chroma server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { provideChroma, type ProvidedChroma } from '@slipway/harness';
import type { Collection } from 'chromadb';
import { ChromaGateway, ChromaUnavailableError } from '../../src/stores/chroma-gateway.js';

const DIMENSIONS = 16;
/** A deterministic pseudo-random unit vector. */
function vectorOf(seed: number): number[] {
  const v = Array.from(
    { length: DIMENSIONS },
    (_, i) => (Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1,
  );
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('ChromaGateway.query', () => {
  let chroma: ProvidedChroma;
  let gateway: ChromaGateway;
  let collection: Collection;

  beforeAll(async () => {
    chroma = await provideChroma();
    gateway = new ChromaGateway(chroma.url, chroma.collectionPrefix);
    collection = await gateway.createCollection('0c7d1f6e-9a3b-4c2d-8e5f-1a2b3c4d5e6f');
    const ids = Array.from({ length: 60 }, (_, i) => `chunk-${i}`);
    await gateway.add(collection, {
      ids,
      embeddings: ids.map((_, i) => vectorOf(i)),
      metadatas: ids.map((_, i) => ({ m_team: i % 3 === 0 ? 'platform' : 'sre' })),
    });
  }, 60_000);

  afterAll(async () => {
    await chroma?.stop();
  });

  it('answers the ids, distances and vectors the chromadb client answers', async () => {
    for (const seed of [0.5, 7.25, 33.1]) {
      const vector = vectorOf(seed);
      const ours = await gateway.query(collection, { vector, nResults: 10, withVectors: true });
      const theirs = await collection.query({
        queryEmbeddings: [vector],
        nResults: 10,
        include: ['distances', 'embeddings'] as never,
      });
      expect(ours.ids).toEqual(theirs.ids[0]);
      expect(ours.ids).toHaveLength(10);
      ours.distances.forEach((d, i) => expect(d).toBeCloseTo(theirs.distances[0]![i]!, 6));
      ours.embeddings!.forEach((e, i) => expect(e).toEqual(theirs.embeddings[0]![i]));
    }
  });

  it('applies a metadata filter and leaves vectors out unless asked', async () => {
    const result = await gateway.query(collection, {
      vector: vectorOf(3),
      nResults: 50,
      where: { m_team: { $eq: 'platform' } },
      withVectors: false,
    });
    expect(result.ids).toHaveLength(20);
    for (const id of result.ids) expect(Number(id.split('-')[1]) % 3).toBe(0);
    expect(result.embeddings).toBeUndefined();
  });

  it('turns a collection Chroma does not hold into ChromaUnavailableError (503), not a crash', async () => {
    const gone = { ...collection, id: '00000000-0000-0000-0000-000000000000' } as Collection;
    await expect(
      gateway.query(gone, { vector: vectorOf(1), nResults: 5, withVectors: false }),
    ).rejects.toBeInstanceOf(ChromaUnavailableError);
  });

  it('gives up on a server that does not answer within its deadline', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as { port: number }).port;
      const hung = new ChromaGateway(`http://127.0.0.1:${port}`, 'x', 300);
      const started = Date.now();
      await expect(
        hung.query(collection, { vector: vectorOf(1), nResults: 5, withVectors: false }),
      ).rejects.toBeInstanceOf(ChromaUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});
