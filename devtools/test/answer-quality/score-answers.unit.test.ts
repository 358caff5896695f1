import { describe, expect, it } from '@jest/globals';
import { outlineOf, readOutline } from '@slipway/service/text/document-outline';
import { structureDocument } from '@slipway/service/text/structure-text';
import {
  answerGateFailures,
  isCutOff,
  scoreQuestion,
  sectionRange,
  summarize,
  type CorpusDocument,
} from '../../src/answer-quality/score-answers.js';

const structured = structureDocument(
  '# Runbook\n\nIntro sentence.\n\n## Roll back\n\nRun the workflow. Then verify it.\n\n- one item\n\n## Other\n\nElse.',
  'markdown',
);
const doc: CorpusDocument = {
  id: 'rb',
  file: 'docs/rb.md',
  text: structured.text,
  outline: readOutline(outlineOf(structured))!,
};
const quote = (text: string) => {
  const start = doc.text.indexOf(text);
  return { documentId: 'rb', start, end: start + text.length, quote: text };
};

describe('score-answers', () => {
  it('finds a section from its heading to the next heading', () => {
    expect(
      doc.text.slice(sectionRange(doc, 'Roll back')!.start, sectionRange(doc, 'Roll back')!.end).trim(),
    ).toBe('Roll back\n\nRun the workflow. Then verify it.\n\none item');
    expect(sectionRange(doc, 'Nope')).toBeUndefined();
  });

  it('calls a quote cut off when it stops or starts inside a sentence', () => {
    expect(isCutOff(doc, quote('Run the workflow.'))).toBe(false);
    expect(isCutOff(doc, quote('Then verify it.'))).toBe(false);
    expect(isCutOff(doc, quote('one item'))).toBe(false);
    expect(isCutOff(doc, quote('Run the'))).toBe(true);
    expect(isCutOff(doc, quote('the workflow.'))).toBe(true);
  });

  it('scores where the first citation comes from, cut-off quotes and headings', () => {
    const corpus = new Map([[doc.id, doc]]);
    const byFile = new Map([[doc.file, doc]]);
    const question = { question: 'q', answeredBy: [{ file: 'docs/rb.md', section: 'Roll back' }] };
    const good = scoreQuestion(question, [quote('Run the workflow.'), quote('Else.')], corpus, byFile);
    expect(good).toMatchObject({ firstFromAnsweringSection: true, cutOff: [], headings: [] });
    const bad = scoreQuestion(question, [quote('Runbook'), quote('Run the')], corpus, byFile);
    expect(bad).toMatchObject({
      firstFromAnsweringSection: false,
      cutOff: ['Run the'],
      headings: ['Runbook'],
    });
    const summary = summarize([good, bad]);
    expect(summary).toEqual({
      questions: 2,
      firstFromAnsweringSectionRate: 0.5,
      quotes: 4,
      cutOffRate: 0.25,
      headingQuotes: 1,
    });
    expect(answerGateFailures([{ name: 'tuning', summary }])).toEqual([
      'tuning: first citation from an answering section 50% < 75%',
      'tuning: 25.0% of quotes cut off mid-sentence',
      'tuning: 1 heading(s) quoted as answers',
    ]);
  });
});
