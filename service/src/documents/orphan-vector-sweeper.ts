import type { ChromaGateway } from '../stores/chroma-gateway.js';

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
 * one catches an add that Chroma applied late. While Chroma is down the attempts back off. Only a crash of
 * the process leaves work for `reconcile`.
 */
export class OrphanVectorSweeper {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly chroma: ChromaGateway,
    private readonly maxAttempts = 12,
    private readonly deleteUncommitted?: DeleteUncommitted,
  ) {}

  schedule(collectionId: string, ids: string[]): void {
    if (ids.length === 0) return;
    const run = this.sweep(collectionId, ids).finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** Resolves once every scheduled sweep has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async sweep(collectionId: string, ids: string[]): Promise<void> {
    let successes = 0;
    for (let attempt = 0; attempt < this.maxAttempts && successes < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, sweepDelayMs(attempt)).unref());
      try {
        if (this.deleteUncommitted) await this.deleteUncommitted(collectionId, ids);
        else {
          const handle = await this.chroma.collection(collectionId);
          await this.chroma.call(() => handle.delete({ ids }));
        }
        successes++;
      } catch {
        successes = 0; // Chroma away (or the collection gone): try again later
      }
    }
  }
}
