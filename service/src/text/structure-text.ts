import { convert, type FormatCallback } from 'html-to-text';
import { Lexer, type Token, type Tokens } from 'marked';
import { normalizeWhitespace, type DocumentFormat } from './normalize-document.js';

/**
 * What a block of a stored text is. Headings and table headers name what follows and are never quoted as
 * answers; paragraphs are quoted sentence by sentence; list items and table rows whole; code never.
 */
export type BlockKind = 'heading' | 'paragraph' | 'list-item' | 'code' | 'table-header' | 'table-row';

/** One block of a stored text: `text.slice(start, end)` is the block, without surrounding whitespace. */
export interface TextBlock {
  kind: BlockKind;
  start: number;
  end: number;
}

/** A stored text with its blocks, in order, not overlapping. */
export interface StructuredText {
  text: string;
  blocks: TextBlock[];
}

/** Appends blocks to a text: a blank line between blocks, one line break between items of one list/table. */
class StructuredTextBuilder {
  private text = '';
  private readonly blocks: TextBlock[] = [];

  /** `newItem`: a list item or table row that starts a new line right after the previous item or row. */
  add(kind: BlockKind, raw: string, newItem = false): void {
    const content =
      kind === 'code' ? normalizeWhitespace(raw) : normalizeWhitespace(raw).replace(/\n{2,}/g, '\n');
    if (content === '') return;
    const previous = this.blocks.at(-1)?.kind;
    const tight =
      newItem &&
      (kind === 'list-item'
        ? previous === 'list-item'
        : previous === 'table-header' || previous === 'table-row');
    if (this.text !== '') this.text += tight ? '\n' : '\n\n';
    this.blocks.push({ kind, start: this.text.length, end: this.text.length + content.length });
    this.text += content;
  }

  build(): StructuredText {
    return { text: this.text, blocks: this.blocks };
  }
}

const softBreaks = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/** Text of inline markdown tokens: soft line breaks (hard wrapping) become spaces, `<br>` / two spaces a line break. */
function inlineText(tokens: readonly Token[] | undefined): string {
  if (!tokens) return '';
  let out = '';
  for (const token of tokens) {
    switch (token.type) {
      case 'br':
        out += '\n';
        break;
      case 'image':
        out += softBreaks((token as Tokens.Image).text);
        break;
      case 'html':
        out += ` ${htmlToText((token as Tokens.HTML).text).text} `;
        break;
      case 'codespan':
        out += softBreaks((token as Tokens.Codespan).text);
        break;
      default: {
        const withChildren = token as { tokens?: Token[]; text?: string };
        out += withChildren.tokens
          ? inlineText(withChildren.tokens)
          : softBreaks(withChildren.text ?? token.raw);
      }
    }
  }
  return out;
}

function addMarkdownBlocks(builder: StructuredTextBuilder, tokens: readonly Token[], inList: boolean): void {
  let firstOfItem = inList;
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
      case 'hr':
      case 'def':
        break;
      case 'heading':
        builder.add('heading', inlineText((token as Tokens.Heading).tokens));
        break;
      case 'paragraph':
      case 'text': {
        const text = token as Tokens.Paragraph | Tokens.Text;
        const content = text.tokens ? inlineText(text.tokens) : softBreaks(text.text);
        builder.add(inList ? 'list-item' : 'paragraph', content, firstOfItem);
        firstOfItem = false;
        break;
      }
      case 'code':
        builder.add('code', (token as Tokens.Code).text);
        break;
      case 'blockquote':
        addMarkdownBlocks(builder, (token as Tokens.Blockquote).tokens, false);
        break;
      case 'list':
        for (const item of (token as Tokens.List).items) addMarkdownBlocks(builder, item.tokens, true);
        break;
      case 'table': {
        const table = token as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) => cells.map((cell) => inlineText(cell.tokens)).join(' | ');
        builder.add('table-header', row(table.header));
        for (const cells of table.rows) builder.add('table-row', row(cells), true);
        break;
      }
      case 'html':
        for (const block of htmlBlocks((token as Tokens.HTML).text)) builder.add(block.kind, block.text);
        break;
      default: {
        const other = token as { tokens?: Token[]; text?: string };
        builder.add('paragraph', other.tokens ? inlineText(other.tokens) : softBreaks(other.text ?? ''));
      }
    }
  }
}

/** Markdown → stored text with blocks: markup removed, hard-wrapped paragraphs unwrapped, one line per list item. */
export function structureMarkdown(markdown: string): StructuredText {
  const builder = new StructuredTextBuilder();
  addMarkdownBlocks(builder, new Lexer({ gfm: true }).lex(markdown.replace(/\r\n?/g, '\n')), false);
  return builder.build();
}

// Private-use characters mark blocks in html-to-text's output; they never survive into the stored text.
const HEADING = '\uE000';
const CODE = '\uE001';
const ITEM = '\uE002';
const MARKS = /[\uE000-\uE002]/g;

const markedBlock =
  (mark: string, isPre = false): FormatCallback =>
  (elem, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2, isPre });
    builder.addLiteral(mark);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  };

const markedList: FormatCallback = (elem, walk, builder) => {
  builder.openList({ leadingLineBreaks: 2, interRowLineBreaks: 1, maxPrefixLength: 1, prefixAlign: 'left' });
  for (const child of (elem.children ?? []) as { name?: string }[]) {
    if (child.name !== 'li') continue;
    builder.openListItem({ prefix: ITEM });
    walk([child] as never, builder);
    builder.closeListItem();
  }
  builder.closeList({ trailingLineBreaks: 2 });
};

function htmlBlocks(html: string): { kind: BlockKind; text: string }[] {
  const marked = convert(html, {
    wordwrap: false,
    formatters: { markedHeading: markedBlock(HEADING), markedCode: markedBlock(CODE, true), markedList },
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, format: 'markedHeading' })),
      { selector: 'pre', format: 'markedCode' },
      { selector: 'ul', format: 'markedList' },
      { selector: 'ol', format: 'markedList' },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  });
  const blocks: { kind: BlockKind; text: string }[] = [];
  for (const chunk of marked.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const trimmed = chunk.replace(/^\s+/, '');
    if (trimmed.startsWith(HEADING)) blocks.push({ kind: 'heading', text: trimmed.replace(MARKS, ' ') });
    else if (trimmed.startsWith(CODE)) blocks.push({ kind: 'code', text: trimmed.replace(MARKS, '') });
    else if (trimmed.includes(ITEM)) {
      for (const item of trimmed.split(ITEM)) {
        blocks.push({ kind: item.trim() === '' ? 'paragraph' : 'list-item', text: item.replace(MARKS, ' ') });
      }
    } else blocks.push({ kind: 'paragraph', text: trimmed.replace(MARKS, ' ') });
  }
  return blocks;
}

/** HTML → stored text with blocks (scripts, styles and images dropped; links keep their text only). */
export function htmlToText(html: string): StructuredText {
  const builder = new StructuredTextBuilder();
  for (const block of htmlBlocks(html)) builder.add(block.kind, block.text, block.kind === 'list-item');
  return builder.build();
}

/** Plain text → stored text with blocks: paragraphs at blank lines, their line breaks kept as written. */
export function structurePlainText(text: string): StructuredText {
  const builder = new StructuredTextBuilder();
  for (const paragraph of normalizeWhitespace(text).split('\n\n')) builder.add('paragraph', paragraph);
  return builder.build();
}

/** The title a document gives itself: HTML `<title>`, else its first heading; plain text has none. */
export function titleFromContent(
  raw: string,
  format: DocumentFormat,
  structured: StructuredText,
): string | undefined {
  if (format === 'text') return undefined;
  const htmlTitle = format === 'html' ? /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1] : undefined;
  const fromHtml = htmlTitle === undefined ? '' : htmlToText(htmlTitle).text;
  const heading = structured.blocks.find((block) => block.kind === 'heading');
  const title = fromHtml || (heading ? structured.text.slice(heading.start, heading.end) : '');
  return title ? title.slice(0, 500) : undefined;
}

/** THE stored text of a document and its blocks: every chunk, span and citation offset refers to this text. */
export function structureDocument(input: string, format: DocumentFormat = 'text'): StructuredText {
  switch (format) {
    case 'markdown':
      return structureMarkdown(input);
    case 'html':
      return htmlToText(input);
    case 'text':
      return structurePlainText(input);
  }
}

/** THE stored text of a document, without its blocks. */
export function normalizeDocument(input: string, format: DocumentFormat = 'text'): string {
  return structureDocument(input, format).text;
}
