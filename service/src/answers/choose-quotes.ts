import type { Citation } from '../llm/cite-passages.js';
import { analyzeTerms } from '../text/analyze-text.js';
import type { QuotableUnit } from './quotable-units.js';

export interface QuoteChoiceOptions {
  /** Most quotes in an answer (default 3). */
  maxSentences?: number;
  /** Least share of the question's term weight a quote and its section heading must cover (default 0.2). */
  minCoverage?: number;
  /** Only units of the best this-many retrieved passages are considered (default 5). */
  maxPassages?: number;
}

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
 * IDF weight it covers, half on its own and half together with its section heading (a sentence under
 * "Roll back" answers "how do I roll back?" even when it says "run the workflow with command: rollback");
 * it must cover at least one question term itself. Better-ranked passages get a small bonus.
 */
export function chooseQuotes(
  question: string,
  units: readonly QuotableUnit[],
  options: QuoteChoiceOptions = {},
): Citation[] {
  const maxSentences = options.maxSentences ?? 3;
  const minCoverage = options.minCoverage ?? 0.2;
  const maxPassages = options.maxPassages ?? 5;
  const questionTerms = new Set(analyzeTerms(question));
  const pool = units.filter((unit) => unit.chunkRank < maxPassages);
  if (questionTerms.size === 0 || pool.length === 0 || maxSentences <= 0) return [];

  const unitTerms = pool.map((unit) => new Set(analyzeTerms(unit.quote)));
  const sectionTerms = new Map<string, Set<string>>();
  for (const unit of pool)
    if (!sectionTerms.has(unit.section)) sectionTerms.set(unit.section, new Set(analyzeTerms(unit.section)));
  const weights = questionTermWeights(questionTerms, unitTerms);
  let total = 0;
  for (const weight of weights.values()) total += weight;

  const candidates: Candidate[] = [];
  pool.forEach((unit, i) => {
    const own = coverage(weights, total, unitTerms[i]!);
    const withSection = coverage(weights, total, unitTerms[i]!, sectionTerms.get(unit.section)!);
    if (own === 0 || withSection < minCoverage) return;
    candidates.push({ unit, score: 0.5 * own + 0.5 * withSection + 0.05 / (1 + unit.chunkRank) });
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
