import { afterAll, describe, expect, it } from '@jest/globals';
import { createPooledHashingEmbedder } from '../../src/embeddings/embed-worker-pool.js';
import { embedWorkerCount } from '../../src/embeddings/create-embedder.js';
import { createHashingEmbedder } from '../../src/embeddings/hashing-embedder.js';

const texts = [
  'Supersonic flow over a wedge: the shock wave and the boundary layer.',
  '',
  'Überschall — Strömung, naïve café, 超音速の流れ, emoji 🚀 and numbers 3.14159',
  'the the the of and', // stopwords only
  ...Array.from({ length: 70 }, (_, i) => `chunk ${i}: heat transfer at Mach ${i % 7} over a cone`),
];

describe('the hashing embedder in worker threads', () => {
  const pooled = createPooledHashingEmbedder({ threads: 2, dimension: 96 });
  afterAll(() => pooled.close());

  it('gives exactly the vectors of the in-process embedder, in input order, under the same model name', async () => {
    const local = createHashingEmbedder({ dimension: 96 });
    const vectors = await pooled.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    vectors.forEach((vector, i) => {
      expect(vector).toHaveLength(96);
      // exact equality of every float64, not closeness
      expect(vector).toEqual(local.embed(texts[i]!));
    });
    expect(pooled.name).toBe(local.model);
    expect(pooled.dimensions).toBe(96);
  });

  it('embeds concurrent calls independently', async () => {
    const local = createHashingEmbedder({ dimension: 96 });
    const [a, b] = await Promise.all([pooled.embed(texts.slice(0, 40)), pooled.embed(texts.slice(40))]);
    expect([...a, ...b]).toEqual(texts.map((t) => local.embed(t)));
  });

  it('returns nothing for nothing and refuses an aborted request', async () => {
    expect(await pooled.embed([])).toEqual([]);
    const controller = new AbortController();
    controller.abort();
    await expect(pooled.embed(['a text'], controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('embedWorkerCount', () => {
  it('takes EMBED_WORKERS when set, else one thread per core beyond the first, at most two', () => {
    expect(embedWorkerCount(3, 2)).toBe(3);
    expect(embedWorkerCount(0, 16)).toBe(0);
    expect(embedWorkerCount(undefined, 1)).toBe(0);
    expect(embedWorkerCount(undefined, 2)).toBe(1);
    expect(embedWorkerCount(undefined, 3)).toBe(2);
    expect(embedWorkerCount(undefined, 64)).toBe(2);
  });
});
