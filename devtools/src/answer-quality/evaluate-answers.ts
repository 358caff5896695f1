// The answer-quality evaluation: the shipped docs/ synced into a `docs` collection on real Postgres and
// Chroma (the same sync `npm start` runs), every question of a set asked through the service's answerer,
// each answer scored by score-answers.ts.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ingestDepsOf, prepareDocument } from '@slipway/service/documents/ingest-documents';
import { collectFiles, fileToDocument } from '@slipway/service/documents/ingest-files';
import { syncFolder } from '@slipway/service/documents/sync-folder';
import {
  applyVariant,
  CONTROL_PARAMETERS,
  type RetrievalParameters,
} from '@slipway/service/retrieval/retrieval-experiment';
import { outlineOf, readOutline } from '@slipway/service/text/document-outline';
import { startServiceUnderTest } from '@slipway/service/testing/service-under-test';
import {
  missingSections,
  scoreQuestion,
  summarize,
  type CorpusDocument,
  type AnsweringSection,
  type QualityQuestion,
  type QuestionScore,
  type SetSummary,
} from './score-answers.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const QUESTION_SETS = {
  tuning: `${repoRoot}devtools/answer-quality/questions.json`,
  heldOut: `${repoRoot}devtools/answer-quality/held-out.json`,
} as const;

const isSection = (s: unknown) =>
  typeof s === 'object' &&
  s !== null &&
  typeof (s as AnsweringSection).file === 'string' &&
  typeof (s as AnsweringSection).section === 'string';
const isQuestion = (q: unknown): q is QualityQuestion =>
  typeof q === 'object' &&
  q !== null &&
  typeof (q as QualityQuestion).question === 'string' &&
  Array.isArray((q as QualityQuestion).answeredBy) &&
  (q as QualityQuestion).answeredBy.length > 0 &&
  (q as QualityQuestion).answeredBy.every(isSection);

/** A question set file: `{description, questions: [{question, answeredBy: [{file, section}]}]}`. */
export async function readQuestionSet(path: string): Promise<QualityQuestion[]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { questions?: unknown };
  const questions = Array.isArray(parsed.questions) ? parsed.questions : [];
  const bad = questions.findIndex((q) => !isQuestion(q));
  if (questions.length === 0 || bad >= 0)
    throw new Error(
      `${path}: questions[${Math.max(bad, 0)}] is not {question, answeredBy: [{file, section}]}`,
    );
  return questions as QualityQuestion[];
}

/** The docs as the service stores them: id, stored text and outline of every file (pure preparation). */
export async function readCorpus(dir = `${repoRoot}docs`): Promise<CorpusDocument[]> {
  const { files } = await collectFiles([dir]);
  return Promise.all(
    files.map(async ({ path }) => {
      const input = fileToDocument(path, await readFile(path, 'utf8'), repoRoot);
      const prepared = prepareDocument(input);
      const outline = readOutline(JSON.parse(JSON.stringify(prepared.outline))) ?? [];
      return { id: prepared.id, file: input.source as string, text: prepared.text, outline };
    }),
  );
}

export interface AnswerQualityReport {
  sets: { name: string; summary: SetSummary; scores: QuestionScore[] }[];
}

/** Runs every set against one `docs` collection on stores the test harness provides. */
export async function evaluateAnswers(
  sets: Record<string, QualityQuestion[]>,
  options: {
    topK?: number;
    /** Retrieval parameters the answers are retrieved with (default: control's, as the service's). */
    parameters?: RetrievalParameters;
  } = {},
): Promise<AnswerQualityReport> {
  const corpus = await readCorpus();
  const byId = new Map(corpus.map((d) => [d.id, d]));
  const byFile = new Map(corpus.map((d) => [d.file, d]));
  const missing = Object.values(sets).flatMap((questions) => missingSections(questions, byFile));
  if (missing.length > 0)
    throw new Error(`sections named by the question sets are not in docs/:\n  ${missing.join('\n  ')}`);

  const svc = await startServiceUnderTest({ LOG_LEVEL: 'silent' });
  try {
    const { files } = await collectFiles([`${repoRoot}docs`]);
    const sync = await syncFolder(
      ingestDepsOf(svc.runtime.deps),
      'docs',
      files.map((f) => f.path),
      repoRoot,
      'docs/',
    );
    if (sync.failed.length > 0) throw new Error(`docs/ did not sync: ${JSON.stringify(sync.failed)}`);
    // answers then retrieve from the in-process keyword index, as a running service does (RM3 runs only there)
    const indexes = svc.runtime.deps.keywordIndexes;
    if (indexes) {
      indexes.current(await svc.runtime.deps.collections.resolve('docs'));
      await indexes.idle();
    }
    const report: AnswerQualityReport = { sets: [] };
    for (const [name, questions] of Object.entries(sets)) {
      const scores: QuestionScore[] = [];
      for (const q of questions) {
        const answer = await svc.runtime.deps.answers.answer(
          'docs',
          // control's retrieval parameters (or the ones given), as a request gets them
          {
            question: q.question,
            topK: options.topK ?? 5,
            ...applyVariant(options.parameters ?? CONTROL_PARAMETERS, {}),
          },
          {},
        );
        scores.push(scoreQuestion(q, answer.citations, byId, byFile));
      }
      report.sets.push({ name, summary: summarize(scores), scores });
    }
    return report;
  } finally {
    await svc.stop();
  }
}

export { outlineOf };

/** A readable table of a report: one row per set, then every question whose first citation missed. */
export function formatAnswerReport(report: AnswerQualityReport): string {
  const lines = [
    'set       questions  first citation from answering section  cut-off quotes  heading quotes',
  ];
  for (const { name, summary } of report.sets) {
    lines.push(
      `${name.padEnd(9)} ${String(summary.questions).padStart(9)}  ${`${(summary.firstFromAnsweringSectionRate * 100).toFixed(0)}%`.padStart(37)}  ${`${(summary.cutOffRate * 100).toFixed(1)}% of ${summary.quotes}`.padStart(14)}  ${String(summary.headingQuotes).padStart(14)}`,
    );
  }
  for (const { name, scores } of report.sets) {
    for (const s of scores.filter((x) => !x.firstFromAnsweringSection)) {
      lines.push(
        `  ${name}: "${s.question}" → ${s.firstCitation ? `${s.firstCitation.file} § ${s.firstCitation.section}` : 'no answer'}`,
      );
    }
  }
  return lines.join('\n');
}
