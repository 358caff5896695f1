import type { Logger } from 'pino';
import type pg from 'pg';

/** Who asked: taken from the request (res.locals) by the routes. */
export interface AuditContext {
  apiKeyId?: string;
  requestId?: string;
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

/**
 * Writes one query_audit row without holding up the response: the insert runs after the caller has moved
 * on, and a failure is logged, never thrown (the audit must not fail or slow a search).
 */
export function recordQueryAudit(db: pg.Pool, logger: Logger, entry: QueryAuditEntry): void {
  db.query(
    `INSERT INTO query_audit (collection_id, api_key_id, request_id, kind, mode, query, result_count, latency_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.collectionId,
      entry.apiKeyId ?? null,
      entry.requestId ?? null,
      entry.kind,
      entry.mode,
      entry.query,
      entry.resultCount,
      entry.latencyMs,
    ],
  ).catch((error: unknown) => {
    logger.error({ err: error, requestId: entry.requestId }, 'could not write the query audit row');
  });
}
