/**
 * Pure: text the service did not write (stored passages, their titles, the client's question) made safe to
 * place inside the prompt's delimited blocks. Every rewrite swaps one UTF-16 unit for one look-alike, so the
 * text keeps its length and stays readable, but can no longer be mistaken for the prompt's own structure:
 *
 * - a tag named like the prompt's delimiters (`<passage …>`, `</passages-…>`, `<question-…>`): `<` → `‹`;
 * - chat-template control tokens (`<|im_start|>`, `<|system|>`, `<|endoftext|>`): `<|…|>` → `‹|…|›`;
 * - Llama-style instruction markers (`[INST]`, `[/INST]`, `<<SYS>>`): brackets → full-width look-alikes;
 * - citation markers (`[3]`, `[1, 2]`, `[2-4]`): `[` `]` → `［` `］`, so only the prompt's own passage
 *   numbers look like something to cite.
 *
 * The stored text is never changed: citations quote the stored document, not this prompt copy.
 */
const delimiterTag = /<(?=\s*\/?\s*(?:passages?|question)\b)/gi;
const templateToken = /<\|([^<>|\n]{0,64})\|>/g;
const instructionMarker = /\[(\s*\/?\s*INST\s*)\]/gi;
const systemMarker = /<<(\s*\/?\s*SYS\s*)>>/gi;
/** Anything a reader (or the answer check) could take for a citation: digits and separators in brackets. */
const citationLike = /\[(\s*\d[\d\s,;–-]*)\]/g;

export function neutraliseUntrustedText(text: string): string {
  return text
    .replace(delimiterTag, '‹')
    .replace(templateToken, '‹|$1|›')
    .replace(instructionMarker, '［$1］')
    .replace(systemMarker, '‹‹$1››')
    .replace(citationLike, '［$1］');
}

/** Only the citation-like brackets of `text` made look-alikes (for quoting stored text inside an answer). */
export function neutraliseCitationMarkers(text: string): string {
  return text.replace(citationLike, '［$1］');
}

/** A title or other one-line value for an attribute: neutralised, on one line, without double quotes. */
export function neutraliseAttribute(text: string): string {
  return neutraliseUntrustedText(text).replace(/\s+/g, ' ').replace(/"/g, '″').trim();
}
