import type { ChangeFeed } from '../stores/change-listener.js';

interface Entry<V> {
  value: V;
  epoch: number;
  until: number;
}

/**
 * Values read from Postgres, kept in process while its change notifications arrive
 * (docs/adr/0015-in-process-caches-told-by-postgres.md). A value is served only while the feed is
 * listening, was cached under the feed's current epoch (no notification can have been missed since) and is
 * younger than `maxAgeMs` (a bound for what no notification reports, such as a silently dead connection).
 * A load that overlapped a notification for its key is returned but not kept, so a value read before a
 * commit is never cached after it.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Bumped by every forget: a load started under an older generation may hold what was just changed. */
  private generation = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly maxAgeMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value, or the loader's (kept when nothing changed while it ran). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.trusted(entry)) return entry.value;
    const generation = this.generation;
    const epoch = this.feed.epoch;
    const value = await load();
    if (
      this.maxAgeMs > 0 &&
      this.feed.listening &&
      generation === this.generation &&
      epoch === this.feed.epoch
    )
      this.keep(key, { value, epoch, until: Date.now() + this.maxAgeMs });
    return value;
  }

  forget(key: string): void {
    this.generation += 1;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  private trusted(entry: Entry<V>): boolean {
    return this.feed.listening && entry.epoch === this.feed.epoch && Date.now() < entry.until;
  }

  private keep(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
