import type { Logger } from 'pino';
import type pg from 'pg';

/** Who asked: taken from the request (res.locals) by the routes. */
export interface AuditContext {
  apiKeyId?: string;
  requestId?: string;
  /** The retrieval experiment's variant the request ran under (retrieval-experiment.ts). */
  variant?: string;
  /** Aborted when the request times out or the client leaves. */
  signal?: AbortSignal;
}

export interface QueryAuditEntry extends Omit<AuditContext, 'signal'> {
  collectionId: string;
  kind: 'search' | 'answer';
  mode: string;
  query: string;
  resultCount: number;
  latencyMs: number;
}

export interface QueryAuditOptions {
  /** Rows written in one INSERT at most (default 200). */
  maxBatch?: number;
  /** Longest a row waits for its batch (default 100 ms): the audit trails requests by at most this. */
  flushAfterMs?: number;
  /** Rows held while Postgres is slow or down; beyond it the oldest are dropped and logged (default 10,000). */
  maxPending?: number;
}

const INSERT_SQL = `
  INSERT INTO query_audit (collection_id, api_key_id, request_id, kind, mode, query, result_count, latency_ms,
                           variant)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                       $8::float8[], $9::text[])`;

/**
 * Writes query_audit rows without holding up responses: rows are queued and written in batches (one
 * multi-row INSERT per batch, at most `flushAfterMs` after the first queued row). A failed write is logged,
 * never thrown: the audit must not fail or slow a search. `close()` writes what is queued.
 */
export class QueryAuditWriter {
  private pending: QueryAuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly flushAfterMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly db: pg.Pool,
    private readonly logger: Logger,
    options: QueryAuditOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.flushAfterMs = options.flushAfterMs ?? 100;
    this.maxPending = options.maxPending ?? 10_000;
  }

  record(entry: QueryAuditEntry): void {
    if (this.pending.length >= this.maxPending) {
      this.pending.shift();
      this.logger.error('query audit backlog full: dropped the oldest row');
    }
    this.pending.push(entry);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushAfterMs);
      this.timer.unref();
    }
  }

  /** Writes every queued row (batch by batch); resolves when they are written or have failed. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.writing = this.writing.then(() => this.write(batch));
    }
    await this.writing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  private async write(batch: QueryAuditEntry[]): Promise<void> {
    try {
      await this.db.query(INSERT_SQL, [
        batch.map((e) => e.collectionId),
        batch.map((e) => e.apiKeyId ?? null),
        batch.map((e) => e.requestId ?? null),
        batch.map((e) => e.kind),
        batch.map((e) => e.mode),
        batch.map((e) => e.query),
        batch.map((e) => e.resultCount),
        batch.map((e) => e.latencyMs),
        batch.map((e) => e.variant ?? null),
      ]);
    } catch (error) {
      this.logger.error(
        { err: error, rows: batch.length, requestIds: batch.slice(0, 5).map((e) => e.requestId) },
        'could not write query audit rows',
      );
    }
  }
}
