/**
 * A query's lexemes exactly as the SQL path's `to_tsvector('english', query)` gives them, mostly without
 * asking Postgres. Postgres's default parser reads a run of ASCII letters as one `asciiword` token, and the
 * english configuration turns each such token into at most one lexeme on its own (lower-case, stop word
 * list, Snowball stem): no token's lexeme depends on its neighbours. So for a query made only of such runs,
 * separated by spaces and sentence punctuation, the lexemes are the union of its words' lexemes — and those
 * are learnt from Postgres once per word and kept. Any other query (digits, hyphens, apostrophes, dots inside
 * a token, non-ASCII letters: the parser's compound and special token types) goes to Postgres whole.
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
  /** Words whose lexeme is kept (default 100,000). */
  maxWords?: number;
  /** Whole queries that are not plain words whose lexemes are kept (default 10,000). */
  maxQueries?: number;
}

export class QueryLexemes {
  /** word → its lexeme ('' for a stop word; null when Postgres gave it more than one: not composable). */
  private readonly words = new Map<string, string | null>();
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
    const words = plainWords(query);
    if (words) {
      const unknown = [...new Set(words.filter((w) => !this.words.has(w)))];
      if (unknown.length > 0) await this.learn(unknown);
      const lexemes = words.map((w) => this.words.get(w));
      if (lexemes.every((l) => typeof l === 'string')) {
        return tsvectorOrder(lexemes.filter((l) => l !== ''));
      }
    }
    return this.ofWholeQuery(query);
  }

  /** Words whose lexeme is known (for tests and the bench). */
  get knownWords(): number {
    return this.words.size;
  }

  private async ofWholeQuery(query: string): Promise<string[]> {
    const known = this.queries.get(query);
    if (known) return known;
    const lexemes = await serverLexemes(this.db, query);
    remember(this.queries, query, lexemes, this.maxQueries);
    return lexemes;
  }

  private async learn(words: string[]): Promise<void> {
    const { rows } = await this.db.query<{ word: string; lexemes: string[] }>(
      `SELECT w AS word, tsvector_to_array(to_tsvector('english', w)) AS lexemes
         FROM unnest($1::text[]) AS w`,
      [words],
    );
    for (const row of rows) {
      const lexeme = row.lexemes.length > 1 ? null : (row.lexemes[0] ?? '');
      remember(this.words, row.word, lexeme, this.maxWords);
    }
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
