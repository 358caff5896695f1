/** A span `[start, end)` of a text; the text at the span has no leading or trailing whitespace. */
export interface TextSpan {
  start: number;
  end: number;
  /** True when the span begins a paragraph (first span, or a blank line before it). */
  paragraphStart: boolean;
}

// A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a line break.
const SENTENCE_END = /[.!?…]+["'’”)\]]*(?=\s)|\n/g;
const ABBREVIATION =
  /(?:\b(?:e\.g|i\.e|etc|vs|cf|al|fig|figs|eq|eqs|mr|mrs|ms|dr|prof|no|vol|approx|ref)|\b\p{L})\.$/iu;

/** Sentence spans of a text, in order, together covering every non-whitespace character exactly once. */
export function splitSentences(text: string): TextSpan[] {
  const cuts: number[] = [];
  SENTENCE_END.lastIndex = 0;
  for (let match = SENTENCE_END.exec(text); match; match = SENTENCE_END.exec(text)) {
    const end = match.index + match[0].length;
    if (match[0] !== '\n' && ABBREVIATION.test(text.slice(Math.max(0, end - 12), end))) continue;
    cuts.push(end);
  }
  cuts.push(text.length);

  const spans: TextSpan[] = [];
  let from = 0;
  let previousEnd = 0;
  for (const cut of cuts) {
    let start = from;
    let end = cut;
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end > start) {
      const paragraphStart = spans.length === 0 || /\n\s*\n/.test(text.slice(previousEnd, start));
      spans.push({ start, end, paragraphStart });
      previousEnd = end;
    }
    from = cut;
  }
  return spans;
}
