import { describe, expect, it } from '@jest/globals';
import {
  meanMetrics,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
} from '../../src/eval/ranking-metrics.js';

const relevant = new Set(['a', 'c', 'x']);

describe('ranking metrics', () => {
  it('computes recall, precision and reciprocal rank at k', () => {
    const ranked = ['b', 'a', 'c', 'd'];
    expect(recallAtK(ranked, relevant, 2)).toBeCloseTo(1 / 3);
    expect(recallAtK(ranked, relevant, 10)).toBeCloseTo(2 / 3);
    expect(precisionAtK(ranked, relevant, 2)).toBe(0.5);
    expect(reciprocalRankAtK(ranked, relevant, 10)).toBe(0.5);
    expect(reciprocalRankAtK(ranked, relevant, 1)).toBe(0);
  });

  it('computes binary nDCG with log2 discount against the ideal ranking', () => {
    expect(ndcgAtK(['a', 'c', 'x'], relevant, 3)).toBeCloseTo(1);
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(4);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(['b', 'a', 'c'], relevant, 3)).toBeCloseTo(dcg / ideal);
    expect(ndcgAtK(['a'], new Set(), 3)).toBe(0);
  });

  it('averages over queries that have relevant documents', () => {
    const rankings = new Map([
      ['1', ['a']],
      ['2', ['z']],
    ]);
    const judged = new Map([
      ['1', new Set(['a'])],
      ['2', new Set(['y'])],
      ['3', new Set<string>()],
    ]);
    const mean = meanMetrics(rankings, judged, 10);
    expect(mean.queries).toBe(2);
    expect(mean.mrr).toBe(0.5);
    expect(mean.ndcg).toBe(0.5);
  });
});
