import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  evaluateAnswers,
  QUESTION_SETS,
  readQuestionSet,
  type AnswerQualityReport,
} from '../../src/answer-quality/evaluate-answers.js';
import { answerGateFailures } from '../../src/answer-quality/score-answers.js';

// The answer-quality gate inside `npm test`: docs/ synced into a `docs` collection on real Postgres and
// Chroma, every question of both sets asked through the service's answerer (as `npm run eval` does).
describe('answer quality on the shipped docs', () => {
  let report: AnswerQualityReport;

  beforeAll(async () => {
    report = await evaluateAnswers({
      tuning: await readQuestionSet(QUESTION_SETS.tuning),
      heldOut: await readQuestionSet(QUESTION_SETS.heldOut),
    });
  }, 170_000);
  afterAll(() => undefined);

  const scoreOf = (question: string) =>
    report.sets.flatMap((s) => s.scores).find((s) => s.question === question)!;

  it.each(['How do I roll back a deploy?', 'What happens if Redis is down?'])(
    '"%s": first citation from the answering section, no quote cut off, no heading quoted',
    (question) => {
      const score = scoreOf(question);
      expect(score.firstFromAnsweringSection).toBe(true);
      expect(score.quotes).toBeGreaterThan(0);
      expect(score.cutOff).toEqual([]);
      expect(score.headings).toEqual([]);
    },
  );

  it('the roll-back answer quotes the instruction, not the runbook title', () => {
    const first = scoreOf('How do I roll back a deploy?').firstCitation!;
    expect(first.quote).toContain('command: rollback');
    expect(first.quote).toMatch(/\.$/);
  });

  it('both sets pass the gate: answering sections first, nothing cut off, no headings', () => {
    expect(answerGateFailures(report.sets)).toEqual([]);
  });
});
