import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  shingleJaccard,
  shingles,
  suppressNearDuplicates,
} from '../../src/ranking/suppress-near-duplicates.js';
import { tokenizeWords } from '../../src/text/analyze-text.js';

/** The plain definitions `shingles` and `shingleJaccard` stand for: word 3-shingles as joined strings. */
function wordShingles(text: string, size = 3): Set<string> {
  const words = tokenizeWords(text);
  const shingles = new Set<string>();
  if (words.length < size) {
    if (words.length > 0) shingles.add(words.join(' '));
    return shingles;
  }
  for (let i = 0; i + size <= words.length; i++) shingles.add(words.slice(i, i + size).join(' '));
  return shingles;
}

function jaccardSimilarity<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

describe('suppressNearDuplicates', () => {
  it('keeps the best-ranked of texts that are near-duplicates by shingles', () => {
    const text =
      'the deploy pipeline builds an image, scans it, pushes it and then deploys it to staging first';
    const ranked = [
      { id: '1', text },
      { id: '2', text: `${text}.` },
      { id: '3', text: 'an unrelated chunk about backups and restores of the database' },
    ];
    expect(suppressNearDuplicates(ranked).map((r) => r.id)).toEqual(['1', '3']);
  });

  it('uses vector cosine when both items have vectors', () => {
    const ranked = [
      { id: '1', text: 'alpha beta gamma', vector: [1, 0] },
      { id: '2', text: 'completely different words here', vector: [0.99, 0.01] },
      { id: '3', text: 'another text entirely different', vector: [0, 1] },
    ];
    expect(suppressNearDuplicates(ranked).map((r) => r.id)).toEqual(['1', '3']);
    expect(suppressNearDuplicates(ranked, { cosineThreshold: 1.01 }).map((r) => r.id)).toEqual([
      '1',
      '2',
      '3',
    ]);
  });

  it('with a limit, returns exactly the first `limit` items of the unlimited result', () => {
    const base = 'chunk about wing flutter at supersonic speed with heated skin panels number';
    // every third text repeats the one before it (a near-duplicate), the others differ
    const ranked = Array.from({ length: 30 }, (_, i) => ({
      id: String(i),
      text: i % 3 === 2 ? `${base} ${i - 1}.` : `${base} ${i} ${'x'.repeat(i)} y${i} z${i}`,
    }));
    const all = suppressNearDuplicates(ranked).map((r) => r.id);
    expect(all.length).toBeLessThan(30);
    for (const limit of [1, 5, 10, all.length, 40]) {
      expect(suppressNearDuplicates(ranked, { limit }).map((r) => r.id)).toEqual(all.slice(0, limit));
    }
  });

  it('numbers shingles exactly as the joined-string definition would, on any text', () => {
    const words = fc.constantFrom(
      'flow',
      'wing',
      'Mach',
      'shock',
      'the',
      'layer',
      'heat',
      'café',
      "it's",
      '2',
    );
    const text = fc.array(words, { maxLength: 40 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(shingles(a).length).toBe(wordShingles(a).size);
        expect(shingleJaccard(shingles(a), shingles(b))).toBe(
          jaccardSimilarity(wordShingles(a), wordShingles(b)),
        );
      }),
      { numRuns: 500 },
    );
    expect(shingles('a b c d').length).toBe(2);
    expect(shingles('a b c a b c').length).toBe(3);
    expect(shingles('').length).toBe(0);
  });

  it('computes Jaccard over sorted shingles', () => {
    expect(shingleJaccard(Float64Array.of(1, 2), Float64Array.of(2, 3))).toBeCloseTo(1 / 3);
    expect(shingleJaccard(Float64Array.of(1, 2, 5, 9), Float64Array.of(2, 5, 9, 11))).toBeCloseTo(3 / 5);
    expect(shingleJaccard(new Float64Array(0), new Float64Array(0))).toBe(1);
  });

  it("keeps a text's shingles with its owner, and computes them afresh when the owner's text is another", () => {
    const owner = {};
    const near = 'wing flutter at supersonic speed with heated skin panels';
    const ranked = [
      { id: '1', text: near, textOwner: owner },
      { id: '2', text: `${near}.`, textOwner: {} },
    ];
    expect(suppressNearDuplicates(ranked).map((r) => r.id)).toEqual(['1']);
    // the same owner now stands for a different text: its kept shingles must not be reused
    const changed = [
      { id: '1', text: 'boundary layer transition on a flat plate in low speed flow', textOwner: owner },
      { id: '2', text: `${near}.`, textOwner: {} },
    ];
    expect(suppressNearDuplicates(changed).map((r) => r.id)).toEqual(['1', '2']);
  });
});
