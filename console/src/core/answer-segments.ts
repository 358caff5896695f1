/** A piece of an answer: plain text, or a marker `[n]` that opens citations[citation]. */
export type AnswerSegment =
  { kind: 'text'; text: string } | { kind: 'marker'; number: number; citation: number };

/** Bracket references as the service writes and reads them: "[1]", "[1, 3]", "[2-4]". */
const reference = /\[(\d+(?:\s*[,;–-]\s*\d+)*)\]/g;

function referencedNumbers(inner: string): number[] {
  return inner.split(/\s*[,;]\s*/).flatMap((part) => {
    const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(part);
    if (!range) return /^\d+$/.test(part) ? [Number(part)] : [];
    const [from, to] = [Number(range[1]), Number(range[2])];
    return Array.from({ length: Math.max(0, Math.min(to - from + 1, 20)) }, (_, i) => from + i);
  });
}

/**
 * Pure: which citation each marker number opens. An extractive answer numbers its citations: [n] is
 * citations[n - 1]. A model's answer numbers the passages it was given, and the service lists citations in
 * the order the references first appear, so the first new number is the first citation, and so on.
 */
export function markerTargets(answer: string, citationCount: number, mode: string): Map<number, number> {
  const targets = new Map<number, number>();
  if (mode !== 'llm') {
    for (let n = 1; n <= citationCount; n++) targets.set(n, n - 1);
    return targets;
  }
  let next = 0;
  for (const match of answer.matchAll(reference))
    for (const n of referencedNumbers(match[1]!))
      if (!targets.has(n) && next < citationCount) targets.set(n, next++);
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
