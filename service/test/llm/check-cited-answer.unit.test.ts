import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AnswerPassage, Citation } from '../../src/llm/cite-passages.js';
import {
  CitedStreamGuard,
  checkCitedAnswer,
  citesWithin,
  rewriteReferences,
} from '../../src/llm/check-cited-answer.js';

const doc =
  'Deploys switch colours through a symlink. Rollbacks start the retained colour. Backups run nightly.';
const p1: AnswerPassage = { documentId: 'ops', chunkId: 'c1', text: doc.slice(0, 79), start: 0, end: 79 };
const p2: AnswerPassage = {
  documentId: 'ops',
  chunkId: 'c2',
  text: doc.slice(80),
  start: 80,
  end: doc.length,
};
const given = [p1, p2];

describe('rewriteReferences', () => {
  it('keeps markers of given passages as single markers and drops the rest with the spaces before them', () => {
    expect(rewriteReferences('A [1]. B [2, 99]. C [99]. D [1-3]. E [1,1].', 2)).toEqual({
      text: 'A [1]. B [2]. C. D [1][2]. E [1].',
      dropped: [99, 3],
      cited: true,
    });
    expect(rewriteReferences('Only [0] and [7].', 2)).toEqual({
      text: 'Only and.',
      dropped: [0, 7],
      cited: false,
    });
    expect(rewriteReferences('No markers; [note] and a[0].', 2)).toEqual({
      text: 'No markers; [note] and a.',
      dropped: [0],
      cited: false,
    });
  });
});

describe('checkCitedAnswer', () => {
  it('cites valid markers with their marker number, within the passages', () => {
    const checked = checkCitedAnswer('Colours switch through a symlink [1]. Backups run nightly [2].', given);
    expect(checked.rejected).toBeUndefined();
    expect(checked.dropped).toEqual([]);
    expect(checked.citations).toEqual([
      { documentId: 'ops', chunkId: 'c1', start: 0, end: 41, quote: doc.slice(0, 41), marker: 1 },
      { documentId: 'ops', chunkId: 'c2', start: 80, end: doc.length, quote: doc.slice(80), marker: 2 },
    ]);
  });

  it('drops a citation of a passage the model was not given, and keeps the valid ones', () => {
    const checked = checkCitedAnswer('PWNED [99]. Rollbacks start the retained colour [1].', given);
    expect(checked.answer).toBe('PWNED. Rollbacks start the retained colour [1].');
    expect(checked.dropped).toEqual([99]);
    expect(checked.citations.map((c) => c.marker)).toEqual([1]);
  });

  it('rejects an answer left without any valid citation, saying why', () => {
    expect(checkCitedAnswer('PWNED [99] [3].', given)).toMatchObject({
      citations: [],
      dropped: [99, 3],
      rejected: 'invalid_citation',
    });
    expect(checkCitedAnswer('Just do what the document says.', given)).toMatchObject({
      citations: [],
      dropped: [],
      rejected: 'no_citation',
    });
  });
});

describe('citesWithin', () => {
  const inside: Citation = { ...p1, start: 0, end: 41, quote: doc.slice(0, 41), marker: 1 };
  it('accepts a span inside its passage that quotes it exactly, and nothing else', () => {
    expect(citesWithin(inside, p1)).toBe(true);
    expect(citesWithin({ ...inside, end: 90, quote: doc.slice(0, 90) }, p1)).toBe(false);
    expect(citesWithin({ ...inside, quote: 'Deploys switch colours through a tunnel.' }, p1)).toBe(false);
    expect(citesWithin({ ...inside, chunkId: 'c2' }, p1)).toBe(false);
  });
});

describe('CitedStreamGuard', () => {
  const run = (pieces: string[]) => {
    const guard = new CitedStreamGuard(given);
    const released = pieces.map((piece) => guard.push(piece));
    const end = guard.finish();
    return { released, end };
  };

  it('holds everything until the first valid citation, then streams the rewritten text', () => {
    const { released, end } = run([
      'Rollbacks ',
      'start the ',
      'colour [',
      '1',
      ']. Then [9',
      '9] done',
      '.',
    ]);
    expect(released).toEqual(['', '', '', '', 'Rollbacks start the colour [1]. Then', ' done', '.']);
    expect(end.rest).toBe('');
    expect(released.join('') + end.rest).toBe(end.answer);
    expect(end.answer).toBe('Rollbacks start the colour [1]. Then done.');
    expect(end.dropped).toEqual([99]);
  });

  it('never releases an answer that ends uncited', () => {
    const { released, end } = run(['Ignore ', 'the passages', ' [99]', '.']);
    expect(released.join('')).toBe('');
    expect(end).toMatchObject({ rest: '', citations: [], rejected: 'invalid_citation' });
  });

  it('releases, in any split, exactly the checked answer, with no invalid marker (property)', () => {
    const part = fc.constantFrom(
      'Rollbacks',
      ' start',
      ' the',
      ' colour',
      '.',
      ' ',
      '[',
      ']',
      '1',
      '2',
      '9',
      ',',
      '-',
      '\n',
    );
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 40 }),
        fc.array(fc.nat(40), { maxLength: 6 }),
        (parts, cuts) => {
          const text = parts.join('');
          const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
          const pieces = [0, ...points, text.length]
            .slice(1)
            .map((end, i, all) => text.slice(i === 0 ? 0 : all[i - 1], end));
          const { released, end } = run(pieces);
          const whole = checkCitedAnswer(text, given);
          if (whole.citations.length > 0) {
            expect(released.join('') + end.rest).toBe(whole.answer);
            expect(end.citations).toEqual(whole.citations);
          } else {
            expect(released.join('') + end.rest).toBe('');
          }
          expect(released.join('') + end.rest).not.toMatch(/\[(?:0|[3-9]|\d\d+)\]/);
        },
      ),
    );
  });
});
