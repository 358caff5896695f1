/**
 * Keyword retrieval over Postgres full-text search, shared by the service's store adapter and the evaluation
 * so the eval measures what ships. Two rankings:
 *
 * - `bm25` (default): Okapi BM25 computed in SQL from the chunk tsvectors. The query's lexemes come from
 *   `to_tsvector('english', query)` (stopwords dropped, Snowball stems); each lexeme's matching chunks are
 *   fetched once through the GIN index — their count is its document frequency — and its term frequency in a chunk is `ts_rank_cd` of the single lexeme with unit weights and
 *   no normalisation (= number of occurrences), the chunk length is `lengthExpression`. Chunks matching any
 *   lexeme are candidates (OR semantics: a question rarely has all its words in one chunk).
 * - `cover-density`: `ts_rank_cd` (normalisation 1) of an OR query derived from `websearch_to_tsquery`;
 *   kept for comparison — it has no IDF and ranks worse (see docs/benchmarks.md).
 *
 * `matches` is MATERIALIZED: each (term, chunk) pair is read and scored once, its count per term is the
 * document frequency, and the final grouping works on narrow rows instead of carrying tsvectors (measured on
 * 10,878 chunks, 40 Cranfield questions: p50 60 → 34 ms, max 126 → 63 ms; same scores). An inlined
 * per-term count was also seen to run once per matching chunk on a not-yet-analysed table (385 ms → 16 ms
 * on 820 chunks when it was first materialised).
 *
 * Parameters: $1 = query text, $2 = limit; further parameters may be used by `where`.
 * Rows: `id`, `document_id`, `score`, best first.
 */
export interface KeywordSqlOptions {
  ranking?: 'bm25' | 'cover-density';
  /** Table holding `id`, `document_id` and the tsvector column (default `chunks`). */
  table?: string;
  /** Name of the tsvector column (default `tsv`). */
  tsvColumn?: string;
  /** Extra condition on the chunk alias `c` (e.g. `c.collection_id = $3`), ANDed in everywhere. */
  where?: string;
  /** Chunk length for BM25's length normalisation, over alias `c` (default `length(c.text)`). */
  lengthExpression?: string;
  /** BM25 parameters (defaults 1.2 and 0.75). */
  k1?: number;
  b?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;

/** `websearch_to_tsquery('english', p)` with the implicit ANDs between plain terms turned into ORs. */
export const orTsquerySql = (parameter: string): string =>
  `regexp_replace(websearch_to_tsquery('english', ${parameter})::text, ' & (?!!)', ' | ', 'g')::tsquery`;

export function buildKeywordSearchSql(options: KeywordSqlOptions = {}): string {
  const table = options.table ?? 'chunks';
  const tsv = options.tsvColumn ?? 'tsv';
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  if (!IDENTIFIER.test(table) || !IDENTIFIER.test(tsv) || !Number.isFinite(k1) || !Number.isFinite(b)) {
    throw new Error('invalid keyword SQL options');
  }
  const scope = options.where ? ` AND (${options.where})` : '';
  if (options.ranking === 'cover-density') {
    return (
      `SELECT c.id, c.document_id, ts_rank_cd(c.${tsv}, q.query, 1) AS score ` +
      `FROM ${table} c, (SELECT ${orTsquerySql('$1')} AS query) q ` +
      `WHERE c.${tsv} @@ q.query${scope} ORDER BY score DESC, c.id LIMIT $2`
    );
  }
  const length = options.lengthExpression ?? 'length(c.text)';
  // Each query term's matching chunks are read once: the same rows give the term's document frequency
  // (their count) and its frequency in each chunk, and the grouping never carries the tsvectors.
  return `WITH stats AS (
  SELECT count(*)::float8 AS n, greatest(avg(${length}), 1)::float8 AS avg_length FROM ${table} c WHERE true${scope}
), terms AS (
  SELECT DISTINCT lexeme, quote_literal(lexeme)::tsquery AS query
  FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS lexeme
), matches AS MATERIALIZED (
  SELECT t.lexeme, c.id, c.document_id,
    ts_rank_cd('{1,1,1,1}', c.${tsv}, t.query, 0)::float8 AS tf, (${length})::float8 AS len
  FROM terms t JOIN ${table} c ON c.${tsv} @@ t.query${scope}
), weighted AS (
  SELECT m.lexeme, ln(1 + (s.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
  FROM matches m CROSS JOIN stats s
  GROUP BY m.lexeme, s.n
)
SELECT m.id, m.document_id,
  sum(w.idf * m.tf * ${k1 + 1} / (m.tf + ${k1} * (${1 - b} + ${b} * m.len / s.avg_length))) AS score
FROM matches m JOIN weighted w ON w.lexeme = m.lexeme CROSS JOIN stats s
GROUP BY m.id, m.document_id
ORDER BY score DESC, m.id
LIMIT $2`;
}
