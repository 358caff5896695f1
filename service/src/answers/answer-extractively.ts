import type { Citation } from '../llm/cite-passages.js';
import { neutraliseCitationMarkers } from '../llm/untrusted-text.js';
import { chooseQuotes, type QuoteChoiceOptions } from './choose-quotes.js';
import { quotableUnits, type RetrievedChunk } from './quotable-units.js';

export type { Citation, RetrievedChunk };

export interface ExtractiveAnswer {
  answer: string;
  citations: Citation[];
  /** False when nothing relevant was found (then `citations` is empty). */
  found: boolean;
}

export type ExtractiveOptions = QuoteChoiceOptions;

export const NOTHING_FOUND_ANSWER = 'I could not find anything relevant in this collection.';

/**
 * Answers a question by quoting, from the best retrieved passages, the whole sentences, list items and table
 * rows that best cover its terms together with their section's heading (quotable-units.ts, choose-quotes.ts).
 * Headings and code are never quoted; a chunk without its document's outline is quoted line by line, skipping
 * lines that look like headings. Every quote is cited with offsets into its document's stored text, and
 * marked `[n]` for citations[n - 1]; a quote's own citation-like brackets ("[99]") are written as look-alikes
 * in the answer text, so the only markers in it are the answer's own (the citation's `quote` stays exact).
 */
export function answerExtractively(
  question: string,
  chunks: readonly RetrievedChunk[],
  options: ExtractiveOptions = {},
): ExtractiveAnswer {
  const quotes = chooseQuotes(question, quotableUnits(chunks), options);
  if (quotes.length === 0) return { answer: NOTHING_FOUND_ANSWER, citations: [], found: false };
  const citations = quotes.map((quote, i) => ({ ...quote, marker: i + 1 }));
  const answer = citations
    .map((citation) => `${neutraliseCitationMarkers(citation.quote)} [${citation.marker}]`)
    .join(' ');
  return { answer, citations, found: true };
}
