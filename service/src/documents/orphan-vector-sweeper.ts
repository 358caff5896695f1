import type { ChromaGateway } from '../stores/chroma-gateway.js';

/** Pure: when to try deleting orphan candidates again after attempt `attempt` (0-based), in ms. */
export function sweepDelayMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** attempt);
}

/**
 * Vectors whose Postgres write did not commit (Chroma failed or answered late, or Postgres went away
 * before the commit) are deleted again in the background until two deletes in a row succeed — the second
 * one catches an add that Chroma applied late. While Chroma is down the attempts back off. Only a crash of
 * the process leaves work for `reconcile`.
 */
export class OrphanVectorSweeper {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly chroma: ChromaGateway,
    private readonly maxAttempts = 12,
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

  private async tryDelete(collectionId: string, ids: string[]): Promise<boolean> {
    try {
      const handle = await this.chroma.collection(collectionId);
      await this.chroma.call(() => handle.delete({ ids }));
      return true;
    } catch {
      return false;
    }
  }
}
