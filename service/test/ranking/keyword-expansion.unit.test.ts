import { describe, expect, it } from '@jest/globals';
import { Bm25Index, localIdf, type IndexedChunk } from '../../src/ranking/bm25-index.js';
import {
  expandKeywordQuery,
  interpolateQuery,
  relevanceModel,
  type FeedbackDocument,
  type WeightedLexeme,
} from '../../src/ranking/keyword-expansion.js';

const document = (score: number, terms: Record<string, number>): FeedbackDocument => ({
  score,
  lexemes: Object.keys(terms),
  frequencies: Object.values(terms),
});

/** Weights compared to 12 digits, lexemes and their order exactly. */
function expectWeights(actual: WeightedLexeme[], expected: [string, number][]): void {
  expect(actual.map((w) => w.lexeme)).toEqual(expected.map(([lexeme]) => lexeme));
  actual.forEach((w, i) => expect(w.weight).toBeCloseTo(expected[i]![1], 12));
}

// Two feedback chunks with first-pass scores 3 and 1: document weights 3/4 and 1/4.
// P(w|D1) over {wing 2, flow 1, lift 1} (length 4); P(w|D2) over {wing 1, drag 1} (length 2).
// RM1: wing 3/4·2/4 + 1/4·1/2 = 1/2, flow 3/4·1/4 = 3/16, lift 3/16, drag 1/4·1/2 = 1/8.
const feedback = [document(3, { wing: 2, flow: 1, lift: 1 }), document(1, { wing: 1, drag: 1 })];

describe('relevanceModel (RM1)', () => {
  it('weights each chunk by its normalised score and each lexeme by tf / chunk length', () => {
    expectWeights(relevanceModel(feedback, 10), [
      ['wing', 1 / 2],
      ['flow', 3 / 16],
      ['lift', 3 / 16],
      ['drag', 1 / 8],
    ]);
  });

  it('keeps the fbTerms heaviest (ties in lexeme order) and renormalises them to sum 1', () => {
    // kept: wing 1/2, flow 3/16, lift 3/16 (sum 7/8)
    expectWeights(relevanceModel(feedback, 3), [
      ['wing', 4 / 7],
      ['flow', 3 / 14],
      ['lift', 3 / 14],
    ]);
    // the tie between flow and lift goes to flow: wing 1/2, flow 3/16 (sum 11/16)
    expectWeights(relevanceModel(feedback, 2), [
      ['wing', 8 / 11],
      ['flow', 3 / 11],
    ]);
  });

  it('is empty without feedback: no chunks, no positive score, no terms kept', () => {
    expect(relevanceModel([], 10)).toEqual([]);
    expect(relevanceModel([document(0, { wing: 1 })], 10)).toEqual([]);
    expect(relevanceModel(feedback, 0)).toEqual([]);
  });
});

describe('interpolateQuery (RM3)', () => {
  it('mixes the uniform original query (α) with the relevance model (1 − α), sorted by lexeme', () => {
    // α 0.5 over {wing, shock}: 1/4 each; RM1 cut to 3 terms (4/7, 3/14, 3/14) times 1/2
    expectWeights(interpolateQuery(['wing', 'shock'], relevanceModel(feedback, 3), 0.5), [
      ['flow', 3 / 28],
      ['lift', 3 / 28],
      ['shock', 1 / 4],
      ['wing', 1 / 4 + 2 / 7],
    ]);
    // α 0.7, repeated query lexemes count once
    expectWeights(interpolateQuery(['wing', 'shock', 'wing'], relevanceModel(feedback, 2), 0.7), [
      ['flow', 0.3 * (3 / 11)],
      ['shock', 0.35],
      ['wing', 0.35 + 0.3 * (8 / 11)],
    ]);
  });

  it('is the original query alone without a relevance model, and empty for an empty query', () => {
    expectWeights(interpolateQuery(['shock', 'wing'], [], 0.5), [
      ['shock', 1 / 2],
      ['wing', 1 / 2],
    ]);
    expect(interpolateQuery([], relevanceModel(feedback, 3), 0.5)).toEqual([]);
  });

  it('expandKeywordQuery uses only the first fbDocs feedback chunks', () => {
    // fbDocs 1: D1 alone, RM1 = wing 1/2, flow 1/4, lift 1/4
    expectWeights(
      expandKeywordQuery(['wing'], feedback, { fbDocs: 1, fbTerms: 10, originalQueryWeight: 0.5 }),
      [
        ['flow', 1 / 8],
        ['lift', 1 / 8],
        ['wing', 1 / 2 + 1 / 4],
      ],
    );
  });
});

describe('Bm25Index with RM3', () => {
  const chunk = (id: string, length: number, terms: Record<string, number>): IndexedChunk => ({
    id,
    length,
    lexemes: Object.keys(terms),
    frequencies: Object.values(terms),
  });
  const chunks = [
    chunk('a', 40, { wing: 2, flow: 1 }),
    chunk('b', 80, { wing: 1, shock: 3 }),
    chunk('c', 20, { flow: 4 }),
    chunk('d', 60, { boundari: 1, layer: 1, flow: 1 }),
  ];
  const n = chunks.length;
  const avgLength = 50;
  const build = () => Bm25Index.build(chunks, { n, avgLength }, localIdf(n));
  /** One lexeme's BM25 term in one chunk (k1 1.2, b 0.75). */
  const term = (lexeme: string, c: IndexedChunk) => {
    const df = chunks.filter((x) => x.lexemes.includes(lexeme)).length;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const tf = c.frequencies[c.lexemes.indexOf(lexeme)]!;
    return (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * c.length) / avgLength));
  };

  it('builds the expanded query from the first pass chunks and their term frequencies', async () => {
    const index = await build();
    const bytesBefore = index.typedArrayBytes;
    // 'shock' finds only b: RM1 from b = shock 3/4, wing 1/4; α 0.5 → shock 1/2 + 3/8, wing 1/8
    expectWeights(index.expandedQuery(['shock'], { fbDocs: 5, fbTerms: 2, originalQueryWeight: 0.5 }), [
      ['shock', 7 / 8],
      ['wing', 1 / 8],
    ]);
    // the chunk → terms view is built on the first expansion and counted
    expect(index.typedArrayBytes).toBeGreaterThan(bytesBefore);
  });

  it('ranks with the expanded query: chunks the query missed are found, with weighted BM25 scores', async () => {
    const index = await build();
    expect(index.search(['shock'], 10).map((h) => h.id)).toEqual(['b']);
    const expanded = index.searchExpanded(['shock'], 10, { fbDocs: 5, fbTerms: 2, originalQueryWeight: 0.5 });
    expect(expanded.map((h) => h.id)).toEqual(['b', 'a']);
    expect(expanded[0]!.score).toBeCloseTo(
      (7 / 8) * term('shock', chunks[1]!) + (1 / 8) * term('wing', chunks[1]!),
      12,
    );
    expect(expanded[1]!.score).toBeCloseTo((1 / 8) * term('wing', chunks[0]!), 12);
  });

  it('weights the first pass chunks by their normalised scores', async () => {
    const index = await build();
    // 'wing' finds a and b; weights s_a / (s_a + s_b) and s_b / (s_a + s_b)
    const sa = term('wing', chunks[0]!);
    const sb = term('wing', chunks[1]!);
    const wa = sa / (sa + sb);
    const wb = sb / (sa + sb);
    // P(·|a) = wing 2/3, flow 1/3; P(·|b) = wing 1/4, shock 3/4
    const rm1 = { flow: wa / 3, shock: (wb * 3) / 4, wing: (wa * 2) / 3 + wb / 4 };
    expectWeights(index.expandedQuery(['wing'], { fbDocs: 2, fbTerms: 10, originalQueryWeight: 0.6 }), [
      ['flow', 0.4 * rm1.flow],
      ['shock', 0.4 * rm1.shock],
      ['wing', 0.6 + 0.4 * rm1.wing],
    ]);
  });

  it('searchWeighted with weight 1 equals search exactly; without feedback the ranking is plain', async () => {
    const index = await build();
    const query = ['flow', 'wing'];
    expect(
      index.searchWeighted(
        query.map((lexeme) => ({ lexeme, weight: 1 })),
        10,
      ),
    ).toEqual(index.search(query, 10));
    expect(
      index.searchExpanded(['nowhere'], 10, { fbDocs: 5, fbTerms: 10, originalQueryWeight: 0.5 }),
    ).toEqual([]);
    // fbDocs 0: no feedback, the query alone at 1/|Q|: plain BM25's order, scores halved
    const plain = index.search(['flow', 'wing'], 10);
    const unexpanded = index.searchExpanded(['flow', 'wing'], 10, {
      fbDocs: 0,
      fbTerms: 10,
      originalQueryWeight: 0.5,
    });
    expect(unexpanded.map((h) => h.id)).toEqual(plain.map((h) => h.id));
    unexpanded.forEach((h, i) => expect(h.score).toBeCloseTo(plain[i]!.score / 2, 12));
  });
});
