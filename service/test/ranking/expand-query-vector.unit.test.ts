import { describe, expect, it } from '@jest/globals';
import { expandQueryVector } from '../../src/ranking/expand-query-vector.js';

describe('expandQueryVector', () => {
  it('moves the query towards the feedback centroid and normalises', () => {
    const expanded = expandQueryVector(
      [2, 0],
      [
        [0, 1],
        [0, 3],
      ],
      1,
    );
    expect(expanded[0]).toBeCloseTo(Math.SQRT1_2);
    expect(expanded[1]).toBeCloseTo(Math.SQRT1_2);
  });

  it('returns the normalised query without feedback', () => {
    expect(expandQueryVector([3, 4], [], 2)).toEqual([0.6, 0.8]);
    expect(expandQueryVector([3, 4], [[1, 0]], 0)).toEqual([0.6, 0.8]);
    expect(expandQueryVector([0, 0], [], 1)).toEqual([0, 0]);
  });
});
