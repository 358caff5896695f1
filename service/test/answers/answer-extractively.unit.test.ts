import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { answerExtractively, NOTHING_FOUND_ANSWER } from '../../src/answers/answer-extractively.js';
import { chunkText } from '../../src/text/chunk-text.js';

const runbook =
  'Deploys go to staging first. A release manager approves production.\n\n' +
  'To roll back a deploy, run the deploy workflow with the previous image tag. The old colour keeps serving ' +
  'until the new one is healthy. Backups run nightly.';

function retrieve(documentId: string, text: string, targetSize = 120) {
  return chunkText(text, { targetSize, overlap: 40 }).map((c) => ({
    documentId,
    chunkId: `${documentId}:${c.index}`,
    start: c.start,
    end: c.end,
    text: c.text,
  }));
}

describe('answerExtractively', () => {
  it('quotes the best sentences with offsets into the document text', () => {
    const result = answerExtractively('How do I roll back a deploy?', retrieve('runbook', runbook));
    expect(result.found).toBe(true);
    expect(result.citations[0]!.quote).toBe(
      'To roll back a deploy, run the deploy workflow with the previous image tag.',
    );
    for (const citation of result.citations) {
      expect(runbook.slice(citation.start, citation.end)).toBe(citation.quote);
      expect(result.answer).toContain(citation.quote);
    }
    expect(result.answer).toMatch(/\[1\]/);
  });

  it('says plainly when nothing relevant was found', () => {
    const nothing = { answer: NOTHING_FOUND_ANSWER, citations: [], found: false };
    expect(answerExtractively('What is the airspeed of a swallow?', retrieve('runbook', runbook))).toEqual(
      nothing,
    );
    expect(answerExtractively('How do I roll back?', [])).toEqual(nothing);
    expect(answerExtractively('the of and', retrieve('runbook', runbook))).toEqual(nothing);
  });

  it('does not cite a sentence twice when chunks overlap', () => {
    const result = answerExtractively(
      'previous image tag old colour healthy',
      retrieve('runbook', runbook, 80),
      {
        maxSentences: 5,
      },
    );
    const keys = result.citations.map((c) => `${c.start}-${c.end}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('property: every citation slices its document text exactly', () => {
    const word = fc.constantFrom(
      'deploy',
      'roll',
      'back',
      'image',
      'tag',
      'staging',
      'the',
      'a',
      'x.',
      'end!',
    );
    const text = fc
      .array(
        fc.tuple(fc.array(word, { minLength: 1, maxLength: 12 }), fc.constantFrom('. ', '.\n\n', '? ', ' ')),
        {
          minLength: 1,
          maxLength: 30,
        },
      )
      .map((parts) => ` ${parts.map(([words, end]) => words.join(' ') + end).join('')}`);
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.array(word, { minLength: 1, maxLength: 5 }),
        (docs, question) => {
          const chunks = docs.flatMap((doc, i) => retrieve(`d${i}`, doc, 60));
          const result = answerExtractively(question.join(' '), chunks, { maxSentences: 4 });
          expect(result.found).toBe(result.citations.length > 0);
          for (const citation of result.citations) {
            const doc = docs[Number(citation.documentId.slice(1))]!;
            expect(doc.slice(citation.start, citation.end)).toBe(citation.quote);
            expect(citation.quote.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
