import { describe, expect, it } from '@jest/globals';
import { cosineSimilarity } from '../../src/ranking/cosine-similarity.js';

describe('cosineSimilarity', () => {
  it('is 0 for zero vectors', () => {
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(cosineSimilarity([1, 0], [0, 2])).toBe(0);
    expect(cosineSimilarity([1, 1], [2, 2])).toBeCloseTo(1);
  });
});
