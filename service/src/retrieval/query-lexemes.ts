/**
 * A query's lexemes exactly as the SQL path's `to_tsvector('english', query)` gives them, mostly without
 * asking Postgres. Postgres's default parser never makes a token across ASCII whitespace — except an XML/HTML
 * tag, whose attributes may hold spaces — and the english configuration turns each token into lexemes on its
 * own (lower case, stop word list, Snowball stem; no dictionary looks at a neighbour). So the lexemes of a
 * query are the union of the lexemes of its whitespace-separated pieces, and those are learnt from Postgres
 * once per piece and kept. A plain word is kept lower-cased without its sentence punctuation (`Flow,` and
 * `flow` are the one asciiword `flow` to the parser); any other piece — digits, hyphens, apostrophes, dots
 * inside a token, non-ASCII letters: the parser's compound and special token types — is kept as written,
 * with its surroundings (`queryPieces`). A query with `<`, `>` or `&` (tags, entities) goes to Postgres whole.
 */
import type pg from 'pg';

/** Pure: the query's words, when it is plain words only (see the file comment); else undefined. */
export function plainWords(query: string): string[] | undefined {
  const words: string[] = [];
  for (const piece of query.split(/\s+/)) {
    if (piece === '') continue;
    const word = piece.replace(/^\(+/, '').replace(/[,.?!;:)]+$/, '');
    if (word === '') {
      if (/^[(),.?!;:]+$/.test(piece)) continue;
      return undefined;
    }
    if (!/^[A-Za-z]{1,100}$/.test(word)) return undefined;
    words.push(word.toLowerCase());
  }
  return words;
}

/** Pure: distinct lexemes in Postgres's tsvector order (byte order, a prefix first), as tsvector_to_array gives. */
export function tsvectorOrder(lexemes: Iterable<string>): string[] {
  return [...new Set(lexemes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface QueryLexemeOptions {
  /** Words and other query pieces whose lexemes are kept (default 100,000). */
  maxWords?: number;
  /** Whole queries that are not plain words whose lexemes are kept (default 10,000). */
  maxQueries?: number;
}

/**
 * Pure: a query's pieces as the texts their lexemes are learnt from, or undefined for a query that goes to
 * Postgres whole (see the file comment). A plain word is its lower-cased self. Any other piece keeps its
 * surroundings, because the parser reads a piece at the very start or end of the text differently from one
 * between blanks (`~x` at the start is a file path, after a blank a blank and a word): it is learnt with a
 * space on each side that has a neighbour, and exactly as written on a side that is the text's edge.
 */
export function queryPieces(query: string): string[] | undefined {
  if (/[<>&]/.test(query)) return undefined;
  const pieces: string[] = [];
  for (const match of query.matchAll(/[^ \t\n\r\f\v]+/g)) {
    const piece = match[0];
    const words = plainWords(piece);
    if (words) {
      pieces.push(...words);
      continue;
    }
    const atStart = match.index === 0;
    const atEnd = match.index + piece.length === query.length;
    pieces.push(`${atStart ? '' : ' '}${piece}${atEnd ? '' : ' '}`);
  }
  return pieces;
}

export class QueryLexemes {
  /** A query's piece as `queryPieces` gives it → its lexemes. */
  private readonly pieces = new Map<string, readonly string[]>();
  private readonly queries = new Map<string, string[]>();
  private readonly maxWords: number;
  private readonly maxQueries: number;

  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    options: QueryLexemeOptions = {},
  ) {
    this.maxWords = options.maxWords ?? 100_000;
    this.maxQueries = options.maxQueries ?? 10_000;
  }

  async of(query: string): Promise<string[]> {
    const keys = queryPieces(query);
    if (!keys) return this.ofWholeQuery(query);
    // what this query needs, taken before learning: learning may evict a known piece from the bounded map
    const found = new Map<string, readonly string[]>();
    const unknown: string[] = [];
    for (const key of new Set(keys)) {
      const known = this.pieces.get(key);
      if (known) found.set(key, known);
      else unknown.push(key);
    }
    if (unknown.length > 0) for (const [key, lexemes] of await this.learn(unknown)) found.set(key, lexemes);
    return tsvectorOrder(keys.flatMap((key) => found.get(key) ?? []));
  }

  /** Words and pieces whose lexemes are known (for tests and the bench). */
  get knownWords(): number {
    return this.pieces.size;
  }

  private async ofWholeQuery(query: string): Promise<string[]> {
    const known = this.queries.get(query);
    if (known) return known;
    const lexemes = await serverLexemes(this.db, query);
    remember(this.queries, query, lexemes, this.maxQueries);
    return lexemes;
  }

  /** Asks Postgres for the pieces' lexemes in one statement; keeps them (bounded) and returns them. */
  private async learn(pieces: string[]): Promise<Map<string, string[]>> {
    const { rows } = await this.db.query<{ piece: string; lexemes: string[] }>(
      `SELECT p AS piece, tsvector_to_array(to_tsvector('english', p)) AS lexemes
         FROM unnest($1::text[]) AS p`,
      [pieces],
    );
    const learnt = new Map(rows.map((row) => [row.piece, row.lexemes]));
    for (const [piece, lexemes] of learnt) remember(this.pieces, piece, lexemes, this.maxWords);
    return learnt;
  }
}

/** Sets `key` in a map bounded to `max` entries, dropping the oldest first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The query's distinct lexemes from the server's own `to_tsvector('english', …)`. */
export async function serverLexemes(db: Pick<pg.Pool, 'query'>, query: string): Promise<string[]> {
  const { rows } = await db.query<{ lexemes: string[] }>(
    `SELECT tsvector_to_array(to_tsvector('english', $1)) AS lexemes`,
    [query],
  );
  return rows[0]?.lexemes ?? [];
}
