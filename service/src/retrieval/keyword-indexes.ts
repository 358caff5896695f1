/**
 * This process's in-memory BM25 indexes, one per collection, each tagged with the collection version it was
 * built at. A search may use an index only when its version equals the version the request resolved; any
 * other request takes the SQL path (same scores) and starts a background rebuild. Postgres stays the only
 * source of truth and nothing is shared between processes, so every process answers what Postgres holds.
 *
 * Builds run one at a time (they read a whole collection); a collection whose version moved while it was
 * being built is built again. Indexes beyond `maxChunks` in total are dropped least recently used first.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Metrics } from '../observability/metrics.js';
import type { KeywordHit } from '../ranking/bm25-index.js';
import type { KeywordExpansion } from '../ranking/keyword-expansion.js';
import { loadKeywordIndex, type VersionedIndex } from './keyword-index-source.js';
import { QueryLexemes } from './query-lexemes.js';

export interface KeywordIndexOptions {
  /** Most chunks held over all indexes (default 2,000,000). */
  maxChunks?: number;
  /** Query texts that are not plain words whose lexemes are kept (default 10,000; query-lexemes.ts). */
  queryCacheSize?: number;
  /** Wait after a failed build before that collection is tried again (default 5 s). */
  retryAfterMs?: number;
  /** Gauges of the chunks and bytes held, updated after every build. */
  metrics?: Pick<Metrics, 'keywordIndexChunks' | 'keywordIndexBytes'>;
}

export interface WarmResult {
  state: 'ready' | 'timed-out';
  collections: number;
  built: number;
  chunks: number;
  elapsedMs: number;
}

/** Where the start-up build stands: readiness waits for `building`, and reports `timed-out` and `failed`. */
export type WarmState = 'not-started' | 'building' | 'ready' | 'timed-out' | 'failed';

export interface KeywordIndexStatus {
  collections: number;
  chunks: number;
  typedArrayBytes: number;
  building: boolean;
}

export class KeywordIndexes {
  private readonly indexes = new Map<string, VersionedIndex>();
  /** Newest version a request asked for, per collection still waiting for a build. */
  private readonly wanted = new Map<string, number>();
  private readonly failedAt = new Map<string, number>();
  private readonly lexemes: QueryLexemes;
  private queue: Promise<void> = Promise.resolve();
  private queued = new Set<string>();
  private readonly maxChunks: number;
  private readonly retryAfterMs: number;
  private warmState: WarmState = 'not-started';

  private readonly metrics: KeywordIndexOptions['metrics'];

  constructor(
    private readonly db: pg.Pool,
    private readonly logger: Logger,
    options: KeywordIndexOptions = {},
  ) {
    this.metrics = options.metrics;
    this.maxChunks = options.maxChunks ?? 2_000_000;
    this.lexemes = new QueryLexemes(db, { maxQueries: options.queryCacheSize });
    this.retryAfterMs = options.retryAfterMs ?? 5000;
  }

  /**
   * The top `limit` chunks from memory, RM3-expanded when `expansion` is given (ADR 0014), or undefined when
   * this process has no index at exactly `version` (the caller then runs the SQL path; a rebuild has been
   * started).
   */
  async search(
    collection: { id: string; version: number },
    query: string,
    limit: number,
    expansion?: KeywordExpansion,
  ): Promise<KeywordHit[] | undefined> {
    const entry = this.current(collection);
    if (!entry) return undefined;
    const lexemes = await this.lexemes.of(query);
    return expansion
      ? entry.index.searchExpanded(lexemes, limit, expansion)
      : entry.index.search(lexemes, limit);
  }

  /** The index at exactly this version (marked recently used), or undefined after scheduling a build. */
  current(collection: { id: string; version: number }): VersionedIndex | undefined {
    const entry = this.indexes.get(collection.id);
    if (entry && entry.version === collection.version) {
      this.indexes.delete(collection.id);
      this.indexes.set(collection.id, entry);
      return entry;
    }
    this.want(collection.id, collection.version);
    return undefined;
  }

  /** Drops a collection's index (it was deleted); a later build of the same id reads Postgres afresh. */
  forget(collectionId: string): void {
    this.indexes.delete(collectionId);
    this.wanted.delete(collectionId);
  }

  /**
   * Builds every collection's index; resolves when all are built or after `timeoutMs`, whichever is first
   * (builds go on in the background past it). `warmState` tells readiness where it stands.
   */
  async warm(timeoutMs: number): Promise<WarmResult> {
    const started = performance.now();
    this.warmState = 'building';
    let rows: { id: string; version: string }[];
    try {
      ({ rows } = await this.db.query<{ id: string; version: string }>(
        'SELECT id, version FROM collections',
      ));
    } catch (error) {
      this.warmState = 'failed';
      this.logger.warn({ err: error }, 'keyword indexes not built at start: the SQL path serves');
      return {
        state: 'timed-out',
        collections: 0,
        built: 0,
        chunks: 0,
        elapsedMs: performance.now() - started,
      };
    }
    for (const row of rows) this.want(row.id, Number(row.version));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    const built = this.idle().then(() => 'ready' as const);
    const state = await Promise.race([built, timedOut]);
    clearTimeout(timer);
    this.warmState = state;
    if (state === 'timed-out') void built.then(() => (this.warmState = 'ready'));
    return {
      state,
      collections: rows.length,
      built: rows.filter((r) => this.indexes.has(r.id)).length,
      chunks: this.status().chunks,
      elapsedMs: performance.now() - started,
    };
  }

  get warmStatus(): WarmState {
    return this.warmState;
  }

  /** Resolves when no build is queued or running. */
  async idle(): Promise<void> {
    while (this.queued.size > 0) await this.queue;
  }

  status(): KeywordIndexStatus {
    let chunks = 0;
    let typedArrayBytes = 0;
    for (const { index } of this.indexes.values()) {
      chunks += index.size;
      typedArrayBytes += index.typedArrayBytes;
    }
    return { collections: this.indexes.size, chunks, typedArrayBytes, building: this.queued.size > 0 };
  }

  private want(collectionId: string, version: number): void {
    const failed = this.failedAt.get(collectionId);
    if (failed !== undefined && Date.now() - failed < this.retryAfterMs) return;
    this.wanted.set(collectionId, Math.max(version, this.wanted.get(collectionId) ?? 0));
    if (this.queued.has(collectionId)) return;
    this.queued.add(collectionId);
    this.queue = this.queue.then(() => this.build(collectionId));
  }

  private async build(collectionId: string): Promise<void> {
    try {
      // a newer version asked for while one was read is read again (bounded: writes may keep coming)
      for (let attempt = 0; attempt < 3; attempt++) {
        const wanted = this.wanted.get(collectionId);
        const have = this.indexes.get(collectionId)?.version;
        if (wanted === undefined || (have !== undefined && have >= wanted)) break;
        const built = await loadKeywordIndex(this.db, collectionId);
        if (!built) {
          this.forget(collectionId);
          break;
        }
        if (built.index.size > this.maxChunks) {
          this.failedAt.set(collectionId, Date.now());
          this.logger.warn(
            { collectionId, chunks: built.index.size },
            'collection too large to index: SQL path',
          );
          break;
        }
        this.indexes.delete(collectionId);
        this.indexes.set(collectionId, built);
        this.failedAt.delete(collectionId);
        this.evict();
        if (built.version >= wanted) break;
      }
      this.wanted.delete(collectionId);
    } catch (error) {
      this.failedAt.set(collectionId, Date.now());
      this.wanted.delete(collectionId);
      this.logger.warn({ err: error, collectionId }, 'keyword index build failed: the SQL path serves');
    } finally {
      this.queued.delete(collectionId);
      const status = this.status();
      this.metrics?.keywordIndexChunks.set(status.chunks);
      this.metrics?.keywordIndexBytes.set(status.typedArrayBytes);
    }
  }

  private evict(): void {
    let total = this.status().chunks;
    for (const [id, entry] of this.indexes) {
      if (total <= this.maxChunks) return;
      this.indexes.delete(id);
      total -= entry.index.size;
    }
  }
}
