import { describe, expect, it } from '@jest/globals';
import { Bm25Index, localIdf, topK, type IndexedChunk } from '../../src/ranking/bm25-index.js';

const chunk = (id: string, length: number, terms: Record<string, number>): IndexedChunk => ({
  id,
  length,
  lexemes: Object.keys(terms),
  frequencies: Object.values(terms),
});

/** BM25 written out term by term, as keyword-query-sql.ts states it. */
function reference(chunks: IndexedChunk[], query: string[], k1 = 1.2, b = 0.75) {
  const n = chunks.length;
  const avg = Math.max(chunks.reduce((s, c) => s + c.length, 0) / n, 1);
  const scored = chunks.flatMap((c, ordinal) => {
    let score = 0;
    let matched = false;
    for (const term of new Set(query)) {
      const i = c.lexemes.indexOf(term);
      if (i < 0) continue;
      matched = true;
      const df = chunks.filter((d) => d.lexemes.includes(term)).length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const tf = c.frequencies[i]!;
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * c.length) / avg));
    }
    return matched ? [{ id: c.id, score, ordinal }] : [];
  });
  return scored
    .sort((x, y) => y.score - x.score || x.ordinal - y.ordinal)
    .map(({ id, score }) => ({ id, score }));
}

async function indexOf(chunks: IndexedChunk[]) {
  const n = chunks.length;
  const avgLength = Math.max(chunks.reduce((s, c) => s + c.length, 0) / n, 1);
  return Bm25Index.build(chunks, { n, avgLength }, localIdf(n));
}

describe('Bm25Index', () => {
  const chunks = [
    chunk('a', 40, { wing: 2, flow: 1 }),
    chunk('b', 80, { wing: 1, shock: 3 }),
    chunk('c', 20, { flow: 4 }),
    chunk('d', 60, { boundari: 1, layer: 1, flow: 1 }),
    chunk('e', 60, { boundari: 1, layer: 1, flow: 1 }),
    chunk('f', 10, { heat: 0 }),
  ];

  it('scores exactly as the BM25 formula, best first', async () => {
    const index = await indexOf(chunks);
    for (const query of [
      ['wing'],
      ['flow', 'wing'],
      ['boundari', 'layer', 'flow'],
      ['shock', 'flow', 'heat'],
    ]) {
      expect(index.search(query, 10)).toEqual(reference(chunks, query));
    }
  });

  it('breaks ties by build order (Postgres id order) and cuts at the limit', async () => {
    const index = await indexOf(chunks);
    const hits = index.search(['boundari', 'layer'], 2);
    expect(hits.map((h) => h.id)).toEqual(['d', 'e']);
    expect(hits[0]!.score).toBe(hits[1]!.score);
    expect(index.search(['flow'], 1).map((h) => h.id)).toEqual(
      reference(chunks, ['flow'])
        .slice(0, 1)
        .map((h) => h.id),
    );
    expect(index.search(['flow'], 0)).toEqual([]);
  });

  it('ignores unknown and repeated lexemes and returns nothing for an empty query', async () => {
    const index = await indexOf(chunks);
    expect(index.search(['nowhere'], 10)).toEqual([]);
    expect(index.search([], 10)).toEqual([]);
    expect(index.search(['wing', 'wing', 'nowhere'], 10)).toEqual(reference(chunks, ['wing']));
  });

  it('keeps a matching chunk with tf 0 as a candidate with score 0 (as the SQL does)', async () => {
    const index = await indexOf(chunks);
    expect(index.search(['heat'], 10)).toEqual([{ id: 'f', score: 0 }]);
  });

  it('gives the same results when searched again (the accumulator is reset)', async () => {
    const index = await indexOf(chunks);
    const first = index.search(['flow', 'shock'], 10);
    index.search(['wing'], 10);
    expect(index.search(['flow', 'shock'], 10)).toEqual(first);
  });

  it('uses the idf the caller supplies, per distinct document frequency', async () => {
    const asked: number[][] = [];
    const index = await Bm25Index.build(chunks, { n: 6, avgLength: 45 }, (dfs) => {
      asked.push([...dfs]);
      return Promise.resolve(dfs.map((df) => df * 10));
    });
    expect(asked).toHaveLength(1);
    expect(new Set(asked[0])).toEqual(new Set([1, 2, 4]));
    // shock: df 1 → idf 10; tf 3, length 80
    const expected = (10 * 3 * 2.2) / (3 + 1.2 * (0.25 + (0.75 * 80) / 45));
    expect(index.search(['shock'], 10)).toEqual([{ id: 'b', score: expected }]);
    expect(index.size).toBe(6);
    expect(index.typedArrayBytes).toBeGreaterThan(0);
  });

  it('matches the reference on a random corpus', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocabulary = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const corpus = Array.from({ length: 300 }, (_, i) => {
      const terms: Record<string, number> = {};
      for (let k = 0; k < 8; k++)
        terms[vocabulary[Math.floor(random() * 40)]!] = 1 + Math.floor(random() * 5);
      return chunk(`c${String(i).padStart(4, '0')}`, 10 + Math.floor(random() * 200), terms);
    });
    const index = await indexOf(corpus);
    for (let q = 0; q < 30; q++) {
      const query = Array.from(
        { length: 1 + Math.floor(random() * 5) },
        () => vocabulary[Math.floor(random() * 40)]!,
      );
      expect(index.search(query, 10).map((h) => h.id)).toEqual(
        reference(corpus, query)
          .slice(0, 10)
          .map((h) => h.id),
      );
    }
  });
});

describe('topK', () => {
  it('returns the best candidates, best first, ties by lower ordinal', () => {
    const scores = Float64Array.from([1, 5, 3, 5, 2, 0]);
    expect(topK(scores, [0, 1, 2, 3, 4, 5], 3)).toEqual([1, 3, 2]);
    expect(topK(scores, [5, 4, 3, 2, 1, 0], 10)).toEqual([1, 3, 2, 4, 0, 5]);
    expect(topK(scores, [0, 2], 5)).toEqual([2, 0]);
  });
});
