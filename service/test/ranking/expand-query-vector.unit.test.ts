import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { euclideanNorm, expandQueryVector } from '../../src/ranking/expand-query-vector.js';

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

  /** The plain definition: spread into Math.hypot, arrays mapped (how the function was first written). */
  function definition(query: number[], feedback: number[][], weight: number): number[] {
    const out = [...query];
    let norm = Math.hypot(...out);
    if (norm > 0) for (let d = 0; d < out.length; d++) out[d] = out[d]! / norm;
    if (feedback.length > 0 && weight > 0) {
      const share = weight / feedback.length;
      for (const vector of feedback) {
        const vectorNorm = Math.hypot(...vector) || 1;
        for (let d = 0; d < out.length; d++) out[d] = out[d]! + (share * (vector[d] ?? 0)) / vectorNorm;
      }
    }
    norm = Math.hypot(...out);
    return norm > 0 ? out.map((value) => value / norm) : out;
  }

  const magnitude = fc.oneof(
    fc.constant(0),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
  );

  it('computes the norm exactly as Math.hypot does, to the bit', () => {
    fc.assert(
      fc.property(fc.array(magnitude, { maxLength: 500 }), (values) => {
        expect(Object.is(euclideanNorm(values), Math.hypot(...values))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(euclideanNorm([3, Infinity, NaN])).toBe(Infinity);
    expect(euclideanNorm([3, NaN])).toBeNaN();
  });

  it("gives the definition's vector to the bit, on any query and feedback", () => {
    const vectors = fc
      .integer({ min: 1, max: 64 })
      .chain((dimension) =>
        fc.tuple(
          fc.array(magnitude, { minLength: dimension, maxLength: dimension }),
          fc.array(fc.array(magnitude, { minLength: dimension, maxLength: dimension }), { maxLength: 6 }),
          fc.double({ min: 0, max: 4, noNaN: true }),
        ),
      );
    fc.assert(
      fc.property(vectors, ([query, feedback, weight]) => {
        const ours = expandQueryVector(query, feedback, weight);
        const theirs = definition(query, feedback, weight);
        expect(ours.length).toBe(theirs.length);
        ours.forEach((value, d) => expect(Object.is(value, theirs[d])).toBe(true));
      }),
      { numRuns: 1000 },
    );
  });
});
