import type { CitedSpan } from '../llm/cite-passages.js';
import { ENGLISH_STOPWORDS, stemWord, tokenizeWords } from '../text/analyze-text.js';
import type { QuotableUnit } from './quotable-units.js';

export interface QuoteChoiceOptions {
  /** Most quotes in an answer (default 3). */
  maxSentences?: number;
  /** Least share of the question's term weight a quote and its section heading must cover (default 0.2). */
  minCoverage?: number;
  /** Only units of the best this-many retrieved passages are considered (default 5). */
  maxPassages?: number;
}

/**
 * Words the retrieval's stopword list drops that decide what an operations question asks: "what happens if
 * Redis is down", "before a deploy", "no space left". The answerer keeps them.
 */
const MEANINGFUL_IN_QUESTIONS = new Set([
  'down',
  'up',
  'off',
  'out',
  'over',
  'under',
  'no',
  'not',
  'before',
  'after',
  'again',
  'against',
  'only',
]);

/** Content terms for choosing quotes: words without (most) stopwords, Porter-stemmed. */
function answerTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const word of tokenizeWords(text)) {
    if (word.length < 2 && !/\p{N}/u.test(word)) continue;
    if (ENGLISH_STOPWORDS.has(word) && !MEANINGFUL_IN_QUESTIONS.has(word)) continue;
    terms.add(stemWord(word));
  }
  return terms;
}

// Weights of a unit's score, chosen on devtools/answer-quality/questions.json (never on held-out.json).
const OWN_WEIGHT = 0.45;
const HEADINGS_WEIGHT = 0.45;
const RANK_WEIGHT = 0.1;
const INTRODUCTION_PENALTY = 0.6;
const SECTION_SHARE = 0.6;

interface Candidate {
  unit: QuotableUnit;
  score: number;
}

/** Inverse document frequency of the question's terms over the candidate units (a term rare among them weighs more). */
function questionTermWeights(questionTerms: ReadonlySet<string>, unitTerms: readonly Set<string>[]) {
  const frequency = new Map<string, number>();
  for (const terms of unitTerms)
    for (const term of terms)
      if (questionTerms.has(term)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const weights = new Map<string, number>();
  for (const term of questionTerms)
    weights.set(term, Math.log(1 + (unitTerms.length + 1) / ((frequency.get(term) ?? 0) + 1)));
  return weights;
}

const coverage = (
  weights: ReadonlyMap<string, number>,
  total: number,
  ...termSets: ReadonlySet<string>[]
) => {
  let covered = 0;
  for (const [term, weight] of weights) if (termSets.some((terms) => terms.has(term))) covered += weight;
  return covered / total;
};

/**
 * Pure: the quotes that answer a question best, best first. A unit's relevance is the share of the question's
 * IDF weight it covers itself, plus the share its section heading and document title cover (a sentence under
 * "Roll back" answers "how do I roll back?" even when it says "run the workflow with command: rollback"), plus
 * a bonus for better-ranked passages. It must cover at least one question term itself.
 */
export function chooseQuotes(
  question: string,
  units: readonly QuotableUnit[],
  options: QuoteChoiceOptions = {},
): CitedSpan[] {
  const maxSentences = options.maxSentences ?? 3;
  const minCoverage = options.minCoverage ?? 0.2;
  const maxPassages = options.maxPassages ?? 5;
  const questionTerms = answerTerms(question);
  const pool = units.filter((unit) => unit.chunkRank < maxPassages);
  if (questionTerms.size === 0 || pool.length === 0 || maxSentences <= 0) return [];

  const unitTerms = pool.map((unit) => answerTerms(unit.quote));
  const headingTerms = new Map<string, Set<string>>();
  const termsOf = (heading: string) => {
    let terms = headingTerms.get(heading);
    if (!terms) headingTerms.set(heading, (terms = answerTerms(heading)));
    return terms;
  };
  const weights = questionTermWeights(questionTerms, unitTerms);
  let total = 0;
  for (const weight of weights.values()) total += weight;

  const candidates: Candidate[] = [];
  pool.forEach((unit, i) => {
    const own = coverage(weights, total, unitTerms[i]!);
    // A section's heading counts more than the document's title, and a document's introduction (no section
    // of its own) gets no credit from headings: it says what the document is for, its sections what to do.
    const inSection = unit.section !== unit.title;
    const headings = inSection
      ? SECTION_SHARE * coverage(weights, total, termsOf(unit.section)) +
        (1 - SECTION_SHARE) * coverage(weights, total, termsOf(unit.section), termsOf(unit.title))
      : 0;
    if (
      own === 0 ||
      coverage(weights, total, unitTerms[i]!, termsOf(unit.section), termsOf(unit.title)) < minCoverage
    )
      return;
    // a sentence that ends in a colon introduces what follows (often code): it is not the answer itself
    const introduces = /:$/.test(unit.quote) ? INTRODUCTION_PENALTY : 1;
    const score =
      (OWN_WEIGHT * own + HEADINGS_WEIGHT * headings + RANK_WEIGHT / (1 + unit.chunkRank)) * introduces;
    candidates.push({ unit, score });
  });
  return candidates
    .sort((a, b) => b.score - a.score || a.unit.chunkRank - b.unit.chunkRank || a.unit.start - b.unit.start)
    .slice(0, maxSentences)
    .map(({ unit: { documentId, chunkId, start, end, quote } }) => ({
      documentId,
      chunkId,
      start,
      end,
      quote,
    }));
}
