import type { OutlineBlock } from '../text/document-outline.js';
import { splitSentences } from '../text/split-sentences.js';

/** A retrieved chunk: its text is `documentText.slice(start, end)` of its document's stored text. */
export interface RetrievedChunk {
  documentId: string;
  chunkId: string;
  start: number;
  end: number;
  text: string;
  /** The outline of the chunk's document (offsets into the document's text), when it has one. */
  outline?: readonly OutlineBlock[];
}

/** A whole sentence of a paragraph, a whole list item or a table row that may be quoted as an answer. */
export interface QuotableUnit {
  documentId: string;
  chunkId: string;
  start: number;
  end: number;
  quote: string;
  /** Rank of the chunk it came from (0 = best). */
  chunkRank: number;
  /** Text of the nearest heading above it ('' when unknown): what its section is about. */
  section: string;
  /** Text of its document's first heading ('' when unknown): what the whole document is about. */
  title: string;
}

/** List items up to this length are quoted whole; longer ones sentence by sentence. */
const WHOLE_ITEM_LIMIT = 400;
/** Headings name what follows; code and table rows are not sentences a person would accept as an answer. */
const UNQUOTABLE = new Set(['heading', 'table-header', 'table-row', 'code']);

/** Last block starting at or before `offset` (blocks sorted by start), or undefined. */
function blockAt<T extends { start: number }>(blocks: readonly T[], offset: number): T | undefined {
  let low = 0;
  let high = blocks.length - 1;
  let found: T | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (blocks[mid]!.start <= offset) {
      found = blocks[mid];
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/** Without an outline (documents stored before outlines existed): a short line with no end mark looks like a heading. */
function looksLikeHeading(text: string, sentence: { start: number; end: number }): boolean {
  const wholeLine =
    (sentence.start === 0 || text[sentence.start - 1] === '\n') &&
    (sentence.end === text.length || text[sentence.end] === '\n');
  const quote = text.slice(sentence.start, sentence.end);
  return wholeLine && !/[.!?:;)"'`’”]$/.test(quote) && quote.split(/\s+/).length <= 12;
}

interface Outline {
  blocks: OutlineBlock[];
  headings: OutlineBlock[];
}

function unitsOfChunk(
  chunk: RetrievedChunk,
  chunkRank: number,
  outline: Outline | undefined,
): QuotableUnit[] {
  const units: QuotableUnit[] = [];
  const title = outline?.headings[0]?.heading ?? '';
  const push = (start: number, end: number, section: string) =>
    units.push({
      documentId: chunk.documentId,
      chunkId: chunk.chunkId,
      start,
      end,
      quote: chunk.text.slice(start - chunk.start, end - chunk.start),
      chunkRank,
      section,
      title,
    });
  for (const sentence of splitSentences(chunk.text)) {
    const start = chunk.start + sentence.start;
    const end = chunk.start + sentence.end;
    if (!outline) {
      if (!looksLikeHeading(chunk.text, sentence)) push(start, end, '');
      continue;
    }
    const block = blockAt(outline.blocks, start);
    if (!block || end > block.end || UNQUOTABLE.has(block.kind)) continue;
    const section = blockAt(outline.headings, start)?.heading ?? '';
    const wholeItem =
      block.kind === 'list-item' &&
      block.end - block.start <= WHOLE_ITEM_LIMIT &&
      block.start >= chunk.start &&
      block.end <= chunk.end;
    if (wholeItem) push(block.start, block.end, section);
    else push(start, end, section);
  }
  return units;
}

/**
 * Pure: the units of the retrieved chunks that may be quoted, each once (overlapping chunks repeat text), with
 * the heading of its section. Headings, table headers and code are never units; with an outline a unit never
 * crosses a block, so every quote is a whole sentence, list item or row.
 */
export function quotableUnits(chunks: readonly RetrievedChunk[]): QuotableUnit[] {
  const prepared = new Map<readonly OutlineBlock[], Outline>();
  const outlineOf = (blocks: readonly OutlineBlock[] | undefined): Outline | undefined => {
    if (!blocks) return undefined;
    let outline = prepared.get(blocks);
    if (!outline) {
      const sorted = [...blocks].sort((a, b) => a.start - b.start);
      outline = { blocks: sorted, headings: sorted.filter((b) => b.kind === 'heading') };
      prepared.set(blocks, outline);
    }
    return outline;
  };
  const seen = new Set<string>();
  const units: QuotableUnit[] = [];
  chunks.forEach((chunk, rank) => {
    for (const unit of unitsOfChunk(chunk, rank, outlineOf(chunk.outline))) {
      const key = `${unit.documentId}\u0000${unit.start}\u0000${unit.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      units.push(unit);
    }
  });
  return units;
}
