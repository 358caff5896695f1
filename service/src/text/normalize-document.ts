import { convert } from 'html-to-text';
import { Lexer, type Token, type Tokens } from 'marked';

/** Formats a document can arrive in. Whatever the format, the normalised text is what gets stored. */
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

/** Plain text of an HTML document (scripts, styles and images dropped; links keep their text only). */
export function htmlToPlainText(html: string): string {
  return normalizeWhitespace(
    convert(html, {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
        { selector: 'h1', options: { uppercase: false } },
        { selector: 'h2', options: { uppercase: false } },
        { selector: 'h3', options: { uppercase: false } },
        { selector: 'h4', options: { uppercase: false } },
        { selector: 'h5', options: { uppercase: false } },
        { selector: 'h6', options: { uppercase: false } },
        { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
      ],
    }),
  );
}

function inlineText(tokens: readonly Token[] | undefined): string {
  if (!tokens) return '';
  let out = '';
  for (const token of tokens) {
    switch (token.type) {
      case 'br':
        out += '\n';
        break;
      case 'image':
        out += (token as Tokens.Image).text;
        break;
      case 'html':
        out += htmlToPlainText((token as Tokens.HTML).text);
        break;
      case 'codespan':
        out += (token as Tokens.Codespan).text;
        break;
      default: {
        const withChildren = token as { tokens?: Token[]; text?: string };
        out += withChildren.tokens ? inlineText(withChildren.tokens) : (withChildren.text ?? token.raw);
      }
    }
  }
  return out;
}

function blockText(tokens: readonly Token[]): string[] {
  const blocks: string[] = [];
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
      case 'hr':
      case 'def':
        break;
      case 'heading':
      case 'paragraph':
        blocks.push(inlineText((token as Tokens.Heading | Tokens.Paragraph).tokens));
        break;
      case 'text': {
        const text = token as Tokens.Text;
        blocks.push(text.tokens ? inlineText(text.tokens) : text.text);
        break;
      }
      case 'code':
        blocks.push((token as Tokens.Code).text);
        break;
      case 'blockquote':
        blocks.push(...blockText((token as Tokens.Blockquote).tokens));
        break;
      case 'list':
        blocks.push(
          (token as Tokens.List).items
            .map((item) => blockText(item.tokens).join('\n'))
            .filter((item) => item.trim() !== '')
            .join('\n'),
        );
        break;
      case 'table': {
        const table = token as Tokens.Table;
        const rows = [table.header, ...table.rows].map((row) =>
          row.map((cell) => inlineText(cell.tokens)).join(' | '),
        );
        blocks.push(rows.join('\n'));
        break;
      }
      case 'html':
        blocks.push(htmlToPlainText((token as Tokens.HTML).text));
        break;
      default: {
        const other = token as { tokens?: Token[]; text?: string };
        blocks.push(other.tokens ? inlineText(other.tokens) : (other.text ?? ''));
      }
    }
  }
  return blocks;
}

/** Plain text of a Markdown document: markup removed, one blank line between blocks, list items on lines. */
export function markdownToText(markdown: string): string {
  const tokens = new Lexer({ gfm: true }).lex(markdown.replace(/\r\n?/g, '\n'));
  return normalizeWhitespace(
    blockText(tokens)
      .filter((block) => block.trim() !== '')
      .join('\n\n'),
  );
}

/** The format a file name suggests (.md/.markdown → markdown, .html/.htm → html, anything else → text). */
export function formatFromFileName(fileName: string): DocumentFormat {
  const lower = fileName.toLowerCase();
  if (/\.(md|markdown|mdx)$/.test(lower)) return 'markdown';
  if (/\.(html?|xhtml)$/.test(lower)) return 'html';
  return 'text';
}

/** THE stored text of a document: every chunk and citation offset refers to this string. */
export function normalizeDocument(input: string, format: DocumentFormat = 'text'): string {
  switch (format) {
    case 'markdown':
      return markdownToText(input);
    case 'html':
      return htmlToPlainText(input);
    case 'text':
      return normalizeWhitespace(input);
  }
}
