/** Formats a document can arrive in. Whatever the format, the normalised text is what gets stored (structure-text.ts). */
export type DocumentFormat = 'text' | 'markdown' | 'html';

/** What a UTF-16 code unit is to `normalizeWhitespace`: part of the text, a space, or a line break. */
const TEXT = 0;
const SPACE = 1;
const BREAK = 2;

function kindOf(code: number): number {
  if (code > 0x20 && code < 0x7f) return TEXT; // printable ASCII: almost every character
  if (code === 0x0a || code === 0x0d) return BREAK;
  // C0 and C1 control characters (tab included), space, DEL, no-break space
  if (code <= 0x20 || (code >= 0x7f && code <= 0xa0)) return SPACE;
  if ((code >= 0x2000 && code <= 0x200b) || code === 0x2028 || code === 0x2029) return SPACE;
  return code === 0x3000 || code === 0xfeff ? SPACE : TEXT;
}

/**
 * Whitespace normalisation: Unicode NFC, CRLF/CR → LF, control characters and runs of spaces/tabs → one space,
 * no space at line ends, at most one blank line between paragraphs, no leading/trailing blank space.
 *
 * One pass over the text (ingest runs it on every document, and again on each block): between two pieces of
 * text, separators with a line break in them become one or two line breaks (as many as they hold, at most
 * two), any other separators one space; separators before the first piece and after the last are dropped.
 * Runs that are already what they become (most spaces between words) are not copied. The unit test holds it
 * equal to the same rules written as six regular-expression replacements.
 */
export function normalizeWhitespace(input: string): string {
  const text = input.normalize('NFC');
  const end = text.length;
  let i = 0;
  while (i < end && kindOf(text.charCodeAt(i)) !== TEXT) i++;
  let out = '';
  let copied = i; // text before `copied` is in `out` (or dropped)
  while (i < end) {
    if (kindOf(text.charCodeAt(i)) === TEXT) {
      i++;
      continue;
    }
    const runStart = i;
    let breaks = 0;
    for (let kind = kindOf(text.charCodeAt(i)); kind !== TEXT; kind = kindOf(text.charCodeAt(i))) {
      if (kind === BREAK) {
        breaks++;
        if (text.charCodeAt(i) === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++; // CRLF is one break
      }
      if (++i === end) break;
    }
    if (i === end) {
      out += text.slice(copied, runStart); // trailing separators are dropped
      copied = end;
      break;
    }
    const replacement = breaks === 0 ? ' ' : breaks === 1 ? '\n' : '\n\n';
    if (i - runStart === replacement.length && text.startsWith(replacement, runStart)) continue;
    out += text.slice(copied, runStart) + replacement;
    copied = i;
  }
  if (copied < end) out += text.slice(copied);
  // other Unicode spaces (U+1680, U+202F, U+205F) count as text above, but not at either end
  return out.trim();
}

/** The format a file name suggests (.md/.markdown → markdown, .html/.htm → html, anything else → text). */
export function formatFromFileName(fileName: string): DocumentFormat {
  const lower = fileName.toLowerCase();
  if (/\.(md|markdown|mdx)$/.test(lower)) return 'markdown';
  if (/\.(html?|xhtml)$/.test(lower)) return 'html';
  return 'text';
}
