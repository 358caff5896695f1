import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { tokenizeWords } from '../../src/text/analyze-text.js';

/** The definition tokenizeWords must keep: every text decomposed and folded, every word's apostrophes handled. */
function referenceWords(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  return [...folded.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)].map((m) =>
    m[0].replace(/['’]s$/u, '').replace(/['’]/gu, ''),
  );
}

describe('tokenizeWords', () => {
  it('gives the same words with and without its ASCII fast path, on any text', () => {
    const pieces = fc.constantFrom(
      'Flow',
      'wing',
      "it's",
      'rock’n’roll',
      'café',
      'ﬁne',
      'Ⅻ',
      '2.5',
      '-',
      ' ',
      '\n',
      'Äb',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(tokenizeWords(text)).toEqual(referenceWords(text));
      }),
      { numRuns: 1000 },
    );
    expect(tokenizeWords("The wing's Flow, café")).toEqual(['the', 'wing', 'flow', 'cafe']);
  });
});
