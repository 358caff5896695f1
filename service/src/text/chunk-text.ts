import { splitSentences, type TextSpan } from './split-sentences.js';

/** One chunk of a stored text. Invariant: `text === stored.slice(start, end)`. */
export interface TextChunk {
  index: number;
  text: string;
  start: number;
  end: number;
}

export interface ChunkOptions {
  /** Target chunk size in characters (default 800). Chunks stay at or under it unless one word is longer. */
  targetSize?: number;
  /** Characters of context repeated from the end of one chunk at the start of the next (default 120). */
  overlap?: number;
}

export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { targetSize: 800, overlap: 120 };

/** Splits spans longer than `max` at whitespace (or hard, when a single word is longer). */
function splitLongSpan(text: string, span: TextSpan, max: number): TextSpan[] {
  if (span.end - span.start <= max) return [span];
  const pieces: TextSpan[] = [];
  let start = span.start;
  let first = true;
  while (span.end - start > max) {
    let cut = start + max;
    const window = text.slice(start, cut + 1);
    const lastSpace = window.search(/\s\S*$/);
    if (lastSpace > max / 4) cut = start + lastSpace;
    let end = cut;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    pieces.push({ start, end, paragraphStart: first && span.paragraphStart });
    first = false;
    start = cut;
    while (start < span.end && /\s/.test(text[start]!)) start++;
  }
  if (span.end > start) pieces.push({ start, end: span.end, paragraphStart: false });
  return pieces;
}

/**
 * Chunks a stored text on sentence and paragraph boundaries: sentences are packed greedily up to
 * `targetSize`; a chunk that is more than half full ends early at a paragraph break; the next chunk starts
 * with the last sentences of the previous one that fit in `overlap` characters.
 */
export function chunkText(stored: string, options: ChunkOptions = {}): TextChunk[] {
  const targetSize = Math.max(16, options.targetSize ?? DEFAULT_CHUNK_OPTIONS.targetSize);
  const overlap = Math.max(0, Math.min(options.overlap ?? DEFAULT_CHUNK_OPTIONS.overlap, targetSize / 2));
  const units = splitSentences(stored).flatMap((span) => splitLongSpan(stored, span, targetSize));
  const chunks: TextChunk[] = [];
  let first = 0;
  while (first < units.length) {
    let last = first;
    while (
      last + 1 < units.length &&
      units[last + 1]!.end - units[first]!.start <= targetSize &&
      !(units[last + 1]!.paragraphStart && units[last]!.end - units[first]!.start >= targetSize / 2)
    ) {
      last++;
    }
    const start = units[first]!.start;
    const end = units[last]!.end;
    chunks.push({ index: chunks.length, text: stored.slice(start, end), start, end });
    if (last + 1 >= units.length) break;
    // Overlap: back up over whole sentences that fit into `overlap`, always moving forward.
    let next = last + 1;
    while (next - 1 > first && end - units[next - 1]!.start <= overlap) next--;
    first = next;
  }
  return chunks;
}
