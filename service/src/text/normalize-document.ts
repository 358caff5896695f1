/** Formats a document can arrive in. Whatever the format, the normalised text is what gets stored (structure-text.ts). */
export type DocumentFormat = 'text' | 'markdown' | 'html';

/**
 * Whitespace normalisation: Unicode NFC, CRLF/CR → LF, control characters and runs of spaces/tabs → one space,
 * no space at line ends, at most one blank line between paragraphs, no leading/trailing blank space.
 */
export function normalizeWhitespace(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/\p{Cc}/gu, (c) => (c === '\n' ? c : ' '))
    .replace(/[\t \u00a0\u2000-\u200b\u2028\u2029\u3000\ufeff]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The format a file name suggests (.md/.markdown → markdown, .html/.htm → html, anything else → text). */
export function formatFromFileName(fileName: string): DocumentFormat {
  const lower = fileName.toLowerCase();
  if (/\.(md|markdown|mdx)$/.test(lower)) return 'markdown';
  if (/\.(html?|xhtml)$/.test(lower)) return 'html';
  return 'text';
}
