import { describe, expect, it } from '@jest/globals';
import { fuseRankings } from '../../src/ranking/fuse-rankings.js';

describe('fuseRankings', () => {
  it('sums weight / (k + rank) over the lists', () => {
    const fused = fuseRankings([{ ids: ['a', 'b', 'c'] }, { ids: ['b', 'd'] }], { k: 60 });
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]).toEqual({ id: 'b', score: 1 / 62 + 1 / 61, ranks: [2, 1] });
    expect(fused[2]!.ranks).toEqual([null, 2]);
  });

  it('applies per-list weights', () => {
    const fused = fuseRankings([
      { ids: ['a', 'b'], weight: 1 },
      { ids: ['b', 'a'], weight: 3 },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a']);
  });

  it('breaks ties by first appearance and counts duplicates once', () => {
    const fused = fuseRankings([{ ids: ['x', 'x', 'y'] }, { ids: ['y', 'x'] }], { k: 0 });
    expect(fused.find((f) => f.id === 'x')!.score).toBeCloseTo(1 + 1 / 2);
    expect(fuseRankings([{ ids: ['p'] }, { ids: ['q'] }]).map((f) => f.id)).toEqual(['p', 'q']);
    expect(fuseRankings([])).toEqual([]);
    expect(() => fuseRankings([], { k: -1 })).toThrow(RangeError);
  });
});
