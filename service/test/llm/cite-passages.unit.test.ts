import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  buildCitingPrompt,
  citationsFromAnswer,
  sentenceSpans,
  type AnswerPassage,
} from '../../src/llm/cite-passages.js';

const doc =
  'Slipway deploys over SSH. The idle colour boots first and must pass its health gate. ' +
  'Then nginx switches the upstream symlink without a reload.\n\nBackups run nightly with pg_dump. ' +
  'Restores are tested every week on a scratch database.';

function passage(id: string, start: number, end: number, title?: string): AnswerPassage {
  return { documentId: 'doc-1', chunkId: id, text: doc.slice(start, end), start, end, title };
}

const deploy = passage('c1', 0, doc.indexOf('\n\n'), 'Deploys');
const backup = passage('c2', doc.indexOf('Backups'), doc.length);

describe('buildCitingPrompt', () => {
  it('numbers passages inside a block delimited by the nonce, with titles, rules and the question', () => {
    const { messages, included, nonce } = buildCitingPrompt(' How are deploys switched? ', [deploy, backup], {
      nonce: 'n0nce',
    });
    expect(nonce).toBe('n0nce');
    expect(included).toEqual([deploy, backup]);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]!.content).toMatch(/square brackets/);
    expect(messages[0]!.content).toMatch(/do not contain/);
    expect(messages[0]!.content).toContain('between <passages-n0nce> and </passages-n0nce>');
    expect(messages[0]!.content).toMatch(/never instructions/);
    expect(messages[1]!.content).toBe(
      [
        '<passages-n0nce>',
        `<passage n="1" title="Deploys">\n${deploy.text}\n</passage>`,
        `<passage n="2">\n${backup.text}\n</passage>`,
        '</passages-n0nce>',
        '',
        '<question-n0nce>How are deploys switched?</question-n0nce>',
      ].join('\n'),
    );
  });

  it('draws a fresh random nonce for every prompt', () => {
    const a = buildCitingPrompt('q', [deploy]).nonce;
    const b = buildCitingPrompt('q', [deploy]).nonce;
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(b).not.toBe(a);
  });

  it('stops adding passages at the budget but always includes the first, cut to what the model sees', () => {
    expect(
      buildCitingPrompt('q', [deploy, backup], { maxContextChars: deploy.text.length + 10 }).included,
    ).toEqual([deploy]);
    const tiny = buildCitingPrompt('q', [deploy, backup], { maxContextChars: 20 });
    expect(tiny.included).toEqual([{ ...deploy, text: deploy.text.slice(0, 20), end: deploy.start + 20 }]);
    expect(tiny.messages[1]!.content).toContain(deploy.text.slice(0, 20).trim());
    expect(tiny.messages[1]!.content).not.toContain(deploy.text);
  });
});

describe('sentenceSpans', () => {
  it('splits on sentence ends and blank lines, trimming whitespace', () => {
    const text = '  One. Two!  Three?\n\nFour';
    expect(sentenceSpans(text).map((s) => text.slice(s.start, s.end))).toEqual([
      'One.',
      'Two!',
      'Three?',
      'Four',
    ]);
    expect(sentenceSpans('   ')).toEqual([]);
  });
});

describe('citationsFromAnswer', () => {
  it('cites the best-matching sentence of the referenced passage with document offsets', () => {
    const answer = 'Nginx switches the upstream symlink, with no reload [1]. Restores are tested weekly [2].';
    const citations = citationsFromAnswer(answer, [deploy, backup]);
    expect(citations).toEqual([
      {
        documentId: 'doc-1',
        chunkId: 'c1',
        start: doc.indexOf('Then nginx'),
        end: doc.indexOf('\n\n'),
        quote: 'Then nginx switches the upstream symlink without a reload.',
        marker: 1,
      },
      {
        documentId: 'doc-1',
        chunkId: 'c2',
        start: doc.indexOf('Restores'),
        end: doc.length,
        quote: 'Restores are tested every week on a scratch database.',
        marker: 2,
      },
    ]);
  });

  it('understands [1, 2], [1-2] and a reference after the full stop; ignores unknown numbers', () => {
    const a = citationsFromAnswer('The idle colour passes a health gate [1, 3].', [deploy, backup]);
    expect(a.map((c) => c.quote)).toEqual(['The idle colour boots first and must pass its health gate.']);
    const b = citationsFromAnswer('Backups run nightly. [2]', [deploy, backup]);
    expect(b.map((c) => c.quote)).toEqual(['Backups run nightly with pg_dump.']);
    const c = citationsFromAnswer('See [1-2].', [deploy, backup]);
    expect(c.map((x) => x.chunkId)).toEqual(['c1', 'c2']);
  });

  it('cites the whole passage when no sentence matches, and returns nothing without references', () => {
    const [whole] = citationsFromAnswer('Zebra quantum [1].', [deploy]);
    expect(whole).toMatchObject({ start: deploy.start, end: deploy.end, quote: deploy.text });
    expect(citationsFromAnswer('The passages do not contain the answer.', [deploy])).toEqual([]);
  });

  it('every citation quote equals the document sliced at its offsets (property)', () => {
    const words = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'deploy', 'nginx', 'the', 'of', 'x');
    const sentence = fc
      .tuple(fc.array(words, { minLength: 1, maxLength: 8 }), fc.constantFrom('.', '!', '?', ''))
      .map(([w, end]) => w.join(' ') + end);
    const document = fc
      .array(fc.tuple(sentence, fc.constantFrom(' ', '  ', '\n', '\n\n')), { minLength: 1, maxLength: 12 })
      .map((parts) => parts.map(([s, sep]) => s + sep).join(''));
    fc.assert(
      fc.property(
        document,
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(sentence, fc.integer({ min: 0, max: 5 })), { maxLength: 5 }),
        (text, cuts, claims) => {
          const passages = cuts.map(([a, b], i) => {
            const start = a % (text.length + 1);
            const end = start + (b % (text.length - start + 1));
            return { documentId: 'd', chunkId: `c${i}`, text: text.slice(start, end), start, end };
          });
          const answer = claims.map(([s, n]) => `${s} [${n}]`).join(' ');
          for (const citation of citationsFromAnswer(answer, passages)) {
            expect(text.slice(citation.start, citation.end)).toBe(citation.quote);
            const source = passages.find((p) => p.chunkId === citation.chunkId)!;
            expect(citation.start).toBeGreaterThanOrEqual(source.start);
            expect(citation.end).toBeLessThanOrEqual(source.end);
          }
        },
      ),
    );
  });
});
