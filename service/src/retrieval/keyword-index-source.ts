/**
 * Reads what the in-memory BM25 index is built from, out of Postgres: one collection's chunks with their
 * lexemes and term frequencies (from the stored tsvectors), its statistics, and its version — all in one
 * REPEATABLE READ snapshot, so the index is exactly the collection at that version.
 */
import type pg from 'pg';
import { Bm25Index, type IndexedChunk } from '../ranking/bm25-index.js';
import { parseTsvector } from '../ranking/parse-tsvector.js';
import { withClient } from '../stores/postgres-pool.js';

export interface VersionedIndex {
  collectionId: string;
  version: number;
  index: Bm25Index;
}

interface ChunkRow {
  id: string;
  length: number;
  tsv: string;
}

// The chunk length is the one the SQL path uses (search-plan.ts: `c.end_offset - c.start_offset`); a lexeme's
// term frequency is its number of positions, which is what `ts_rank_cd('{1,1,1,1}', tsv, lexeme, 0)` counts.
// `ORDER BY c.id` gives the index Postgres's own tie order (the SQL's `ORDER BY score DESC, m.id`). The
// tsvector travels in its text form (measured: 3-6x faster than unnesting it into arrays on the server).
const CHUNKS_SQL = `
  SELECT c.id, c.end_offset - c.start_offset AS length, c.tsv::text AS tsv
    FROM chunks c
   WHERE c.collection_id = $1
   ORDER BY c.id`;

const STATS_SQL = `
  SELECT count(*)::float8 AS n, greatest(avg(c.end_offset - c.start_offset), 1)::float8 AS avg_length
    FROM chunks c WHERE c.collection_id = $1`;

// The SQL's idf expression with the same operand types (float8 n, bigint df, numeric 0.5): bit-equal values.
const IDF_SQL = `
  SELECT ln(1 + ($1::float8 - df + 0.5) / (df + 0.5)) AS idf
    FROM unnest($2::bigint[]) WITH ORDINALITY AS t(df, i) ORDER BY i`;

/**
 * Builds the index of `collectionId` from one consistent snapshot. Returns undefined when the collection no
 * longer exists.
 */
export async function loadKeywordIndex(
  db: pg.Pool,
  collectionId: string,
): Promise<VersionedIndex | undefined> {
  return withClient(db, async (client) => {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const version = await client.query<{ version: string }>(
        'SELECT version FROM collections WHERE id = $1',
        [collectionId],
      );
      if (!version.rows[0]) return undefined;
      const stats = await client.query<{ n: number; avg_length: number }>(STATS_SQL, [collectionId]);
      const chunks = await client.query<ChunkRow>(CHUNKS_SQL, [collectionId]);
      const { n, avg_length: avgLength } = stats.rows[0]!;
      const index = await Bm25Index.build(chunks.rows.map(toIndexedChunk), { n, avgLength }, async (dfs) => {
        const { rows } = await client.query<{ idf: number }>(IDF_SQL, [n, dfs]);
        return rows.map((r) => r.idf);
      });
      return { collectionId, version: Number(version.rows[0].version), index };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

const toIndexedChunk = (row: ChunkRow): IndexedChunk => ({
  id: row.id,
  length: row.length,
  ...parseTsvector(row.tsv),
});
