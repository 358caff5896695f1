import { describe, expect, it } from '@jest/globals';
import { selectMmr } from '../../src/ranking/select-mmr.js';

const candidates = [
  { id: 'a', score: 1.0, vector: [1, 0, 0] },
  { id: 'a-copy', score: 0.95, vector: [1, 0, 0] },
  { id: 'b', score: 0.5, vector: [0, 1, 0] },
  { id: 'c', score: 0.1, vector: [0, 0, 1] },
];

describe('selectMmr', () => {
  it('with lambda 1 keeps relevance order', () => {
    expect(selectMmr(candidates, { lambda: 1 }).map((c) => c.id)).toEqual(['a', 'a-copy', 'b', 'c']);
  });

  it('trades relevance for diversity as lambda falls', () => {
    expect(selectMmr(candidates, { lambda: 0.5, topK: 3 }).map((c) => c.id)).toEqual(['a', 'b', 'c']);
  });

  it('handles empty input, topK and bad lambda', () => {
    expect(selectMmr([], { lambda: 0.5 })).toEqual([]);
    expect(selectMmr(candidates, { topK: 1 }).map((c) => c.id)).toEqual(['a']);
    expect(() => selectMmr(candidates, { lambda: 2 })).toThrow(RangeError);
  });
});
