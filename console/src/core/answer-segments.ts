import type { AnswerEvent } from './slipway-api.js';

/** A piece of an answer: plain text, or a marker `[n]` that opens citations[citation]. */
export type AnswerSegment =
  { kind: 'text'; text: string } | { kind: 'marker'; number: number; citation: number };

/**
 * Pure: which citation each marker number opens — the first citation that carries that `marker`. The service
 * numbers markers for both kinds of answer (an extractive answer's [n] is its n-th quote, a model's [n] the
 * n-th passage it was given) and removes markers that cite nothing before the answer is sent.
 */
export function markerTargets(citations: readonly { marker: number }[]): Map<number, number> {
  const targets = new Map<number, number>();
  citations.forEach((citation, index) => {
    if (!targets.has(citation.marker)) targets.set(citation.marker, index);
  });
  return targets;
}

/** Pure: splits an answer into text and markers; a `[n]` without a target (yet) stays text. */
export function answerSegments(answer: string, targets: Map<number, number>): AnswerSegment[] {
  const segments: AnswerSegment[] = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(\d{1,3})\]/g)) {
    const number = Number(match[1]);
    const citation = targets.get(number);
    if (citation === undefined) continue;
    if (match.index > last) segments.push({ kind: 'text', text: answer.slice(last, match.index) });
    segments.push({ kind: 'marker', number, citation });
    last = match.index + match[0].length;
  }
  if (last < answer.length) segments.push({ kind: 'text', text: answer.slice(last) });
  return segments;
}

/** Pure: a document's text cut around a span, clamped to the text, for highlighting. */
export function spanSegments(text: string, start: number, end: number) {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { before: text.slice(0, from), marked: text.slice(from, to), after: text.slice(to) };
}

/** Pure: a sentence about how the answer was made, from the final `citations` event. */
export function describeAnswer(event: Extract<AnswerEvent, { type: 'citations' }>): string {
  const how =
    event.mode === 'llm'
      ? 'Written by the language model from the passages below.'
      : event.mode === 'extractive-fallback'
        ? 'The language model’s answer cited none of the passages it was given, so this is quoted from your documents instead.'
        : 'Quoted from your documents (extractive answer).';
  const degraded = event.degraded?.length ? ` Degraded: ${event.degraded.join(', ')}.` : '';
  return `${how}${event.cached ? ' From the cache.' : ''}${degraded}`;
}
