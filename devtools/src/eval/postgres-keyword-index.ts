import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { runMigrations } from '@slipway/service/migrations';
import { buildKeywordSearchSql, type KeywordSqlOptions } from '@slipway/service/ranking/keyword-query-sql';
import type { Bm25Index } from '@slipway/service/ranking/bm25-index';
import type { KeywordExpansion } from '@slipway/service/ranking/keyword-expansion';
import { loadKeywordIndex, type VersionedIndex } from '@slipway/service/retrieval/keyword-index-source';
import { QueryLexemes } from '@slipway/service/retrieval/query-lexemes';

export interface IndexedDocument {
  id: string;
  title: string;
  text: string;
  chunks: readonly { id: string; index: number; text: string; start: number; end: number }[];
}

export interface KeywordHit {
  id: string;
  documentId: string;
  score: number;
}

/**
 * One collection in a migrated Slipway database: documents and chunks are stored in the service's own tables
 * (generated tsvector + GIN index from the migrations), and searched with the service's keyword SQL.
 */
export interface PostgresKeywordIndex {
  addDocuments(documents: readonly IndexedDocument[]): Promise<void>;
  search(
    queries: readonly string[],
    limit: number,
    options?: { ranking?: KeywordSqlOptions['ranking']; concurrency?: number },
  ): Promise<KeywordHit[][]>;
  /**
   * The same BM25 from the service's in-process index (built from this collection's tsvectors, query
   * lexemes from the server's `to_tsvector`), as the service serves a current index; RM3-expanded with
   * `expansion` (ADR 0014).
   */
  searchInMemory(
    queries: readonly string[],
    limit: number,
    expansion?: KeywordExpansion,
  ): Promise<KeywordHit[][]>;
  /** The in-process index `searchInMemory` uses (built once after the documents were added). */
  memoryIndex(): Promise<Bm25Index>;
  /** Each query's lexemes as the service gets them (query-lexemes.ts). */
  queryLexemes(queries: readonly string[]): Promise<string[][]>;
  /** The server's version: the eval baseline records the Postgres majors it was measured on. */
  serverVersion(): Promise<PostgresVersion>;
  close(): Promise<void>;
}

export interface PostgresVersion {
  /** e.g. "17.10" */
  version: string;
  major: number;
}

/** `server_version_num` (e.g. 170010) → major (17). */
export function postgresMajor(versionNum: number): number {
  return Math.floor(versionNum / 10_000);
}

/** Runs the repository's migrations in `databaseUrl` (an empty database) and creates one collection. */
export async function createPostgresKeywordIndex(databaseUrl: string): Promise<PostgresKeywordIndex> {
  await runMigrations(databaseUrl, pino({ level: 'silent' }));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // Idle clients are told to terminate when the database is dropped; that is expected, not a crash.
  pool.on('error', () => {});
  const name = `eval-${randomBytes(4).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO collections (name) VALUES ($1) RETURNING id',
    [name],
  );
  const collectionId = rows[0]!.id;
  const documentOf = new Map<string, string>();
  const scope = { where: 'c.collection_id = $3', lengthExpression: 'c.end_offset - c.start_offset' };
  let built: VersionedIndex | undefined;
  // the service's own lexeme source: plain-word queries composed from per-word lexemes, others whole
  const lexemeSource = new QueryLexemes(pool);
  const memoryIndex = async (): Promise<Bm25Index> => {
    built ??= await loadKeywordIndex(pool, collectionId);
    if (!built) throw new Error('the eval collection is gone');
    return built.index;
  };
  const queryLexemes = async (queries: readonly string[]): Promise<string[][]> => {
    const lexemes: string[][] = [];
    for (const query of queries) lexemes.push(await lexemeSource.of(query));
    return lexemes;
  };

  return {
    async addDocuments(documents) {
      for (let i = 0; i < documents.length; i += 500) {
        const batch = documents.slice(i, i + 500);
        await pool.query(
          `INSERT INTO documents (collection_id, id, title, text, sha256, chunk_count)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[])`,
          [
            collectionId,
            batch.map((d) => d.id),
            batch.map((d) => d.title),
            batch.map((d) => d.text),
            // The id is hashed too: Cranfield has empty and repeated abstracts that must stay separate documents
            // for the judgements (the service would answer `duplicate: true` instead).
            batch.map((d) => createHash('sha256').update(`${d.id}\u0000${d.text}`).digest('hex')),
            batch.map((d) => d.chunks.length),
          ],
        );
        const chunks = batch.flatMap((d) => d.chunks.map((c) => ({ ...c, documentId: d.id })));
        for (const c of chunks) documentOf.set(c.id, c.documentId);
        await pool.query(
          `INSERT INTO chunks (collection_id, id, document_id, ordinal, text, start_offset, end_offset)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::int[])`,
          [
            collectionId,
            chunks.map((c) => c.id),
            chunks.map((c) => c.documentId),
            chunks.map((c) => c.index),
            chunks.map((c) => c.text),
            chunks.map((c) => c.start),
            chunks.map((c) => c.end),
          ],
        );
      }
      await pool.query('ANALYZE chunks');
      built = undefined;
    },
    async search(queries, limit, { ranking = 'bm25', concurrency = 4 } = {}) {
      const sql = buildKeywordSearchSql({ ranking, ...scope });
      const results: KeywordHit[][] = new Array(queries.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < queries.length; i = next++) {
          const { rows: hits } = await pool.query<{ id: string; document_id: string; score: number }>(sql, [
            queries[i],
            limit,
            collectionId,
          ]);
          results[i] = hits.map((r) => ({ id: r.id, documentId: r.document_id, score: Number(r.score) }));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
      return results;
    },
    async searchInMemory(queries, limit, expansion) {
      const index = await memoryIndex();
      const lexemes = await queryLexemes(queries);
      return lexemes.map((l) =>
        (expansion ? index.searchExpanded(l, limit, expansion) : index.search(l, limit)).map((hit) => ({
          ...hit,
          documentId: documentOf.get(hit.id)!,
        })),
      );
    },
    memoryIndex,
    queryLexemes,
    async serverVersion() {
      const { rows: version } = await pool.query<{ version: string; num: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num",
      );
      return { version: version[0]!.version, major: postgresMajor(Number(version[0]!.num)) };
    },
    async close() {
      await pool.end();
    },
  };
}

export interface EvalDatabase {
  url: string;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates `slipway_eval_<random>` on the server at `serverUrl`; `stop()` drops it. */
export async function createEvalDatabase(serverUrl: string): Promise<EvalDatabase> {
  const database = `slipway_eval_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${database}`);
  return {
    url: withDatabase(serverUrl, database),
    stop: () => run(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}
