import type { BlockKind, StructuredText, TextBlock } from './structure-text.js';

/** A block of a stored document as kept beside its text; headings carry their text (what a section is about). */
export interface OutlineBlock extends TextBlock {
  heading?: string;
}

/** The stored form of an outline: `[kind, start, end]`, or `[kind, start, end, headingText]` for headings. */
export type StoredOutline = [BlockKind, number, number, string?][];

const kinds: ReadonlySet<string> = new Set<BlockKind>([
  'heading',
  'paragraph',
  'list-item',
  'code',
  'table-header',
  'table-row',
]);

/** Pure: the outline to store for a structured text. */
export function outlineOf(structured: StructuredText): StoredOutline {
  return structured.blocks.map((block) =>
    block.kind === 'heading'
      ? [block.kind, block.start, block.end, structured.text.slice(block.start, block.end)]
      : [block.kind, block.start, block.end],
  );
}

/** Pure: a stored outline read back; anything malformed gives `undefined` (the answerer then works without one). */
export function readOutline(stored: unknown): OutlineBlock[] | undefined {
  if (!Array.isArray(stored)) return undefined;
  const blocks: OutlineBlock[] = [];
  for (const entry of stored as unknown[]) {
    if (!Array.isArray(entry)) return undefined;
    const [kind, start, end, heading] = entry as unknown[];
    if (typeof kind !== 'string' || !kinds.has(kind)) return undefined;
    if (!Number.isInteger(start) || !Number.isInteger(end) || (end as number) < (start as number))
      return undefined;
    blocks.push({
      kind: kind as BlockKind,
      start: start as number,
      end: end as number,
      ...(typeof heading === 'string' ? { heading } : {}),
    });
  }
  return blocks;
}
