/**
 * Pure: the check an LLM answer passes after generation, before any of it reaches a client. Passages are
 * untrusted, so the model may have been talked into citing what it was never given ("[99]"), or into
 * answering without citing at all. Here:
 *
 * - every bracket reference is rewritten to single markers of passages the model was given (`[1, 9]` → `[1]`
 *   with one passage); a reference to no given passage is removed with the spaces before it;
 * - citations are made from the rewritten text only, and each must lie within its passage's span (and quote
 *   exactly the passage text there), else it is dropped;
 * - an answer left with no citation is not an answer: the caller falls back to the extractive answer.
 *
 * `CitedStreamGuard` applies the same rewrite to a stream, and releases nothing until the first valid
 * citation has arrived, so a streamed answer that ends up uncited was never shown (ADR 0010).
 */
import {
  citationsFromAnswer,
  referencedNumbers,
  type AnswerPassage,
  type Citation,
} from './cite-passages.js';

/** A bracket reference with the spaces or tabs before it; at most 40 characters inside the brackets. */
const referenceWithSpace = /[ \t]*\[(?=[\d\s,;–-]{1,40}\])(\d+(?:\s*[,;–-]\s*\d+)*)\]/g;
/** The end of a text that may still grow into a reference: spaces, then an unclosed bracket of digits. */
const openReferenceTail = /[ \t]*(?:\[[\d\s,;–-]{0,40})?$/;

export interface RewrittenReferences {
  text: string;
  /** Marker numbers that named no passage the model was given, in order, without repeats. */
  dropped: number[];
  /** True when at least one valid marker remains. */
  cited: boolean;
}

/** Rewrites every reference to single markers `[n]` with 1 ≤ n ≤ passageCount; removes the rest. */
export function rewriteReferences(text: string, passageCount: number): RewrittenReferences {
  const dropped: number[] = [];
  let cited = false;
  const rewritten = text.replace(referenceWithSpace, (whole, inner: string) => {
    const numbers = [...new Set(referencedNumbers(inner))];
    const valid = numbers.filter((n) => n >= 1 && n <= passageCount);
    for (const n of numbers) if (!valid.includes(n) && !dropped.includes(n)) dropped.push(n);
    if (valid.length === 0) return '';
    cited = true;
    const space = /^[ \t]*/.exec(whole)![0];
    return space + valid.map((n) => `[${n}]`).join('');
  });
  return { text: rewritten, dropped, cited };
}

/** Whether a citation lies within its passage's span and quotes the passage text there. */
export function citesWithin(citation: Citation, passage: AnswerPassage): boolean {
  if (citation.chunkId !== passage.chunkId || citation.documentId !== passage.documentId) return false;
  if (citation.start < passage.start || citation.end > passage.end || citation.start > citation.end)
    return false;
  if (passage.text.length !== passage.end - passage.start) {
    return (
      citation.start === passage.start && citation.end === passage.end && citation.quote === passage.text
    );
  }
  return passage.text.slice(citation.start - passage.start, citation.end - passage.start) === citation.quote;
}

export interface CheckedAnswer {
  /** The answer with references rewritten (what the client gets, when `citations` is not empty). */
  answer: string;
  /** Valid citations; empty means the answer must not be used. */
  citations: Citation[];
  /** Marker numbers that pointed at no given passage. */
  dropped: number[];
  /** Why the answer cannot be used, when `citations` is empty. */
  rejected?: UncitedReason;
}

/** `no_citation`: the model cited nothing. `invalid_citation`: everything it cited was dropped. */
export type UncitedReason = 'no_citation' | 'invalid_citation';

/** Checks a complete answer against the passages the model was given (`included`, in number order). */
export function checkCitedAnswer(answer: string, included: readonly AnswerPassage[]): CheckedAnswer {
  const rewritten = rewriteReferences(answer, included.length);
  return withCitations(rewritten, included);
}

function withCitations(rewritten: RewrittenReferences, included: readonly AnswerPassage[]): CheckedAnswer {
  const citations = citationsFromAnswer(rewritten.text, included).filter((citation) =>
    citesWithin(citation, included[citation.marker - 1]!),
  );
  const checked: CheckedAnswer = { answer: rewritten.text, citations, dropped: rewritten.dropped };
  if (citations.length === 0)
    checked.rejected = rewritten.dropped.length > 0 ? 'invalid_citation' : 'no_citation';
  return checked;
}

/**
 * The answer check for a stream. `push` takes the model's text as it arrives and returns what may be sent
 * on: nothing until a valid citation has been seen, then the rewritten text, holding back only an end that
 * may still become a reference. Everything released, then `finish().answer`'s unreleased rest, concatenate
 * to exactly `checkCitedAnswer(all text).answer`.
 */
export class CitedStreamGuard {
  private pending = '';
  private released = '';
  private received = '';

  constructor(private readonly included: readonly AnswerPassage[]) {}

  /** True once text (with a valid citation) has been released. */
  get releasedAny(): boolean {
    return this.released !== '';
  }

  /** Everything the model sent so far. */
  get text(): string {
    return this.received;
  }

  push(text: string): string {
    this.received += text;
    this.pending += text;
    const cut = openReferenceTail.exec(this.pending)!.index;
    const ready = rewriteReferences(this.pending.slice(0, cut), this.included.length);
    if (this.released === '' && !ready.cited) return '';
    this.pending = this.pending.slice(cut);
    this.released += ready.text;
    return ready.text;
  }

  /**
   * The end of the stream (or of what arrived before it broke): the check of the whole text, and `rest`, the
   * rewritten text not yet released ('' when the answer is rejected and nothing was released).
   */
  finish(): CheckedAnswer & { rest: string } {
    const rest = rewriteReferences(this.pending, this.included.length);
    const whole: RewrittenReferences = {
      text: this.released + rest.text,
      dropped: rewriteReferences(this.received, this.included.length).dropped,
      cited: this.released !== '' || rest.cited,
    };
    const checked = withCitations(whole, this.included);
    const usable = checked.citations.length > 0 || this.released !== '';
    this.pending = '';
    if (!usable) return { ...checked, rest: '' };
    this.released += rest.text;
    return { ...checked, rest: rest.text };
  }
}
