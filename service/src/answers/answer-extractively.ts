import { analyzeTerms } from '../text/analyze-text.js';
import { splitSentences } from '../text/split-sentences.js';
import type { Citation } from '../llm/cite-passages.js';

export type { Citation };

/** A retrieved chunk: its text is `documentText.slice(start, end)` of its document's stored text. */
export interface RetrievedChunk {
  documentId: string;
  chunkId: string;
  start: number;
  end: number;
  text: string;
}

export interface ExtractiveAnswer {
  answer: string;
  citations: Citation[];
  /** False when nothing relevant was found (then `citations` is empty). */
  found: boolean;
}

export interface ExtractiveOptions {
  /** Most sentences in an answer (default 3). */
  maxSentences?: number;
  /** Least share of the question's term weight a sentence must cover to be used (default 0.2). */
  minCoverage?: number;
}

export const NOTHING_FOUND_ANSWER = 'I could not find anything relevant in this collection.';

interface ScoredSentence extends Citation {
  score: number;
  chunkRank: number;
}

/**
 * Answers a question by quoting the retrieved sentences that best cover its terms. A sentence's score is the
 * share of the question's IDF weight it covers (IDF over the candidate sentences), with a small bonus for
 * better-ranked chunks; the answer lists the chosen sentences best first. Every sentence of the answer is cited with offsets into its document's stored text.
 */
export function answerExtractively(
  question: string,
  chunks: readonly RetrievedChunk[],
  options: ExtractiveOptions = {},
): ExtractiveAnswer {
  const maxSentences = options.maxSentences ?? 3;
  const minCoverage = options.minCoverage ?? 0.2;
  const questionTerms = new Set(analyzeTerms(question));
  const nothing: ExtractiveAnswer = { answer: NOTHING_FOUND_ANSWER, citations: [], found: false };
  if (questionTerms.size === 0 || chunks.length === 0 || maxSentences <= 0) return nothing;

  const seen = new Set<string>();
  const sentences: (Citation & { terms: Set<string>; chunkRank: number })[] = [];
  chunks.forEach((chunk, chunkRank) => {
    for (const span of splitSentences(chunk.text)) {
      const start = chunk.start + span.start;
      const end = chunk.start + span.end;
      const key = `${chunk.documentId}\u0000${start}\u0000${end}`;
      if (seen.has(key)) continue; // overlapping chunks repeat sentences
      seen.add(key);
      const quote = chunk.text.slice(span.start, span.end);
      sentences.push({
        documentId: chunk.documentId,
        chunkId: chunk.chunkId,
        start,
        end,
        quote,
        terms: new Set(analyzeTerms(quote)),
        chunkRank,
      });
    }
  });

  const documentFrequency = new Map<string, number>();
  for (const sentence of sentences) {
    for (const term of sentence.terms) {
      if (questionTerms.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const idf = (term: string): number =>
    Math.log(1 + (sentences.length + 1) / ((documentFrequency.get(term) ?? 0) + 1));
  let questionWeight = 0;
  for (const term of questionTerms) questionWeight += idf(term);

  const scored: ScoredSentence[] = [];
  for (const { terms, ...sentence } of sentences) {
    let covered = 0;
    for (const term of terms) if (questionTerms.has(term)) covered += idf(term);
    const coverage = covered / questionWeight;
    if (coverage < minCoverage) continue;
    scored.push({ ...sentence, score: coverage + 0.05 / (1 + sentence.chunkRank) });
  }
  if (scored.length === 0) return nothing;

  const chosen = scored
    .sort((a, b) => b.score - a.score || a.chunkRank - b.chunkRank || a.start - b.start)
    .slice(0, maxSentences);
  const citations: Citation[] = chosen.map(({ documentId, chunkId, start, end, quote }) => ({
    documentId,
    chunkId,
    start,
    end,
    quote,
  }));
  const answer = citations.map((citation, i) => `${citation.quote} [${i + 1}]`).join(' ');
  return { answer, citations, found: true };
}
