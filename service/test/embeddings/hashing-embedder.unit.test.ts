import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { analyzeTerms, ENGLISH_STOPWORDS, tokenizeWords } from '../../src/text/analyze-text.js';
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
    expect(() => createHashingEmbedder({ charNgramMin: 0 })).toThrow(RangeError);
    expect(() => createHashingEmbedder({ charNgramMin: 4, charNgramMax: 3 })).toThrow(RangeError);
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

/**
 * The embedder as first written: every character n-gram built as a string, hashed as `c:<gram>` and summed in
 * a Map. The embedder hashes n-grams straight from code units into a typed table instead; the vectors must
 * stay identical to the last bit (stored vectors and the eval's numbers depend on them).
 */
function referenceEmbed(text: string, dimension = 384): number[] {
  const vector = new Float64Array(dimension);
  const add = (feature: string, weight: number) => {
    const h = hashFeature(feature);
    vector[h % dimension]! += h & 0x80000000 ? -weight : weight;
  };
  const terms = analyzeTerms(text);
  const features = new Map<string, number>();
  const count = (key: string) => features.set(key, (features.get(key) ?? 0) + 1);
  for (const term of terms) count(`w:${term}`);
  for (let i = 1; i < terms.length; i++) count(`b:${terms[i - 1]} ${terms[i]}`);
  for (const [feature, tf] of features)
    add(feature, (feature.startsWith('w:') ? 1 : 0.5) * (1 + Math.log(tf)));
  const grams = new Map<string, number>();
  for (const word of tokenizeWords(text)) {
    if (ENGLISH_STOPWORDS.has(word)) continue;
    const padded = `<${word}>`;
    const ofWord: string[] = [];
    for (let n = 3; n <= 5; n++)
      for (let i = 0; i + n <= padded.length; i++) ofWord.push(padded.slice(i, i + n));
    if (ofWord.length === 0) ofWord.push(padded);
    const share = 1 / Math.sqrt(ofWord.length);
    for (const gram of ofWord) grams.set(gram, (grams.get(gram) ?? 0) + share);
  }
  for (const [gram, mass] of grams) add(`c:${gram}`, 0.5 * mass);
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return Array.from(vector, (v) => (norm > 0 ? v / norm : 0));
}

describe('the hashing embedder against its reference definition', () => {
  const embedder = createHashingEmbedder();

  it('gives bit-identical vectors for prose, code, accents, scripts without spaces and emoji', () => {
    const texts = [
      'Supersonic flow over a wedge: the shock wave, the boundary layer and the heat transfer at Mach 3.',
      'Rolling back a deployment: `npm run deploy -- --rollback` restores the previous colour.',
      'Überschall — Strömung, naïve café, 超音速の流れ, emoji 🚀🚀 and numbers 3.14159 and x86_64',
      'a I o', // too short for a term, still n-grams
      '',
    ];
    for (const text of texts) expect(embedder.embed(text)).toEqual(referenceEmbed(text));
  });

  it('gives bit-identical vectors for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(embedder.embed(text)).toEqual(referenceEmbed(text));
      }),
      { numRuns: 300 },
    );
  });
});
