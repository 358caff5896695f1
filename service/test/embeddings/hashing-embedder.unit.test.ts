import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { analyzeTerms, tokenizeWords } from '../../src/text/analyze-text.js';
import { createHashingEmbedder, hashFeature } from '../../src/embeddings/hashing-embedder.js';
import { cosineSimilarity } from '../../src/ranking/cosine-similarity.js';

describe('analyzeTerms', () => {
  it('lowercases, folds accents, drops stopwords and stems', () => {
    expect(tokenizeWords("Café's ROLLBACK, re-deploy 42x")).toEqual([
      'cafe',
      'rollback',
      're',
      'deploy',
      '42x',
    ]);
    expect(analyzeTerms('The deployments were rolled back quickly')).toEqual([
      'deploy',
      'roll',
      'back',
      'quickli',
    ]);
  });
});

describe('createHashingEmbedder', () => {
  const embedder = createHashingEmbedder();

  it('has the configured dimension and a stable model id', () => {
    expect(embedder.dimension).toBe(384);
    expect(embedder.embed('hello world')).toHaveLength(384);
    expect(createHashingEmbedder({ dimension: 64 }).embed('x')).toHaveLength(64);
    expect(embedder.model).toBe(createHashingEmbedder().model);
    expect(createHashingEmbedder({ dimension: 512 }).model).not.toBe(embedder.model);
    expect(() => createHashingEmbedder({ dimension: 3 })).toThrow(RangeError);
  });

  it('is deterministic and L2-normalised', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (text) => {
        const a = embedder.embed(text);
        expect(createHashingEmbedder().embed(text)).toEqual(a);
        const norm = Math.hypot(...a);
        expect(norm === 0 || Math.abs(norm - 1) < 1e-9).toBe(true);
      }),
    );
  });

  it('gives the zero vector for text without words', () => {
    expect(embedder.embed(' ... ').every((v) => v === 0)).toBe(true);
  });

  it('places related texts closer than unrelated ones', () => {
    const query = embedder.embed('how do I roll back a failed deployment');
    const related = embedder.embed(
      'Rolling back a deployment: redeploy the previous image when a deploy fails.',
    );
    const unrelated = embedder.embed('Backups of Postgres are taken nightly and restored in a test.');
    expect(cosineSimilarity(query, related)).toBeGreaterThan(cosineSimilarity(query, unrelated) + 0.1);
    expect(cosineSimilarity(query, query)).toBeCloseTo(1, 10);
  });

  it('hashes features to 32-bit unsigned integers', () => {
    expect(hashFeature('w:deploy')).toBe(hashFeature('w:deploy'));
    expect(hashFeature('a')).not.toBe(hashFeature('b'));
    expect(hashFeature('w:x')).toBeGreaterThanOrEqual(0);
    expect(hashFeature('w:x')).toBeLessThan(2 ** 32);
  });
});
