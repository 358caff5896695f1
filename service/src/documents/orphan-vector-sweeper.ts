import type pg from 'pg';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import { inTransaction } from '../stores/postgres-pool.js';

/**
 * Deletes those of `ids` that no committed chunk row holds, and must exclude a concurrent write of the same
 * ids while it does (DocumentStore holds the collection row lock): a chunk id that failed once and was then
 * written again successfully is live, not an orphan.
 */
export type DeleteUncommitted = (collectionId: string, ids: string[]) => Promise<void>;

/** Pure: when to try deleting orphan candidates again after attempt `attempt` (0-based), in ms. */
export function sweepDelayMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** attempt);
}

/**
 * Vectors whose Postgres write did not commit (Chroma failed or answered late, or Postgres went away
 * before the commit) are deleted again in the background until two deletes in a row succeed — the second
 * one catches an add that Chroma applied late. Only ids without a chunk row are deleted. While Chroma is down the attempts back off. Only a crash of
 * the process leaves work for `reconcile`.
 */
export class OrphanVectorSweeper {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: pg.Pool,
    private readonly chroma: ChromaGateway,
    private readonly maxAttempts = 12,
    private readonly deleteUncommitted?: DeleteUncommitted,
  ) {}

  /**
   * Deletes `ids` at once (awaited: the failed request answers after it, as before), then again in the
   * background until two deletes in a row have succeeded.
   */
  async forget(collectionId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const first = await this.tryDelete(collectionId, ids);
    const run = this.sweep(collectionId, ids, first ? 1 : 0).finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** Resolves once every scheduled sweep has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async sweep(collectionId: string, ids: string[], successes: number): Promise<void> {
    for (let attempt = 0; attempt < this.maxAttempts && successes < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, sweepDelayMs(attempt)).unref());
      // a failure (Chroma away, or the collection gone) starts the count again
      successes = (await this.tryDelete(collectionId, ids)) ? successes + 1 : 0;
    }
  }

  /**
   * Deletes those of `ids` that have no chunk row, under the collection row lock: a write holds that lock
   * from its Postgres rows through its Chroma add to its commit, so a vector a later write stored under the
   * same id (the client retried) is never taken away.
   */
  private async tryDelete(collectionId: string, ids: string[]): Promise<boolean> {
    try {
      await inTransaction(this.db, async (client) => {
        const locked = await client.query(`SELECT 1 FROM collections WHERE id = $1 FOR UPDATE`, [
          collectionId,
        ]);
        if (!locked.rowCount) return; // the collection is gone, and its Chroma collection with it
        const { rows } = await client.query<{ id: string }>(
          `SELECT id FROM chunks WHERE collection_id = $1 AND id = ANY($2::text[])`,
          [collectionId, ids],
        );
        const stored = new Set(rows.map((r) => r.id));
        const orphans = ids.filter((id) => !stored.has(id));
        if (orphans.length === 0) return;
        const handle = await this.chroma.collection(collectionId);
        await this.chroma.call(() => handle.delete({ ids: orphans }));
      });
      return true;
    } catch {
      return false; // Postgres or Chroma away: try again later
    }
  }
}
