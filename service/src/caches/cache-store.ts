import type { Metrics } from '../observability/metrics.js';
import { inSpan } from '../observability/tracing.js';
import type { RedisConnection } from '../stores/redis-connection.js';

/** A string cache. Failures are misses: a cache outage slows answers down, it never fails them. */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Deletes every key containing `fragment` (rare: a collection was deleted). */
  deleteContaining(keyPrefix: string, fragment: string): Promise<number>;
}

/** Process memory, bounded: the oldest entries go first (Map keeps insertion order). For dev and Redis outages. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expires: number }>();
  constructor(private readonly maxEntries = 10_000) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async deleteContaining(keyPrefix: string, fragment: string): Promise<number> {
    let count = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(keyPrefix) && key.includes(fragment)) count += Number(this.entries.delete(key));
    }
    return count;
  }
}

/** Redis while it is connected, memory while it is not (same policy as rate limiting, ADR 0003). */
export class RedisCacheStore implements CacheStore {
  private readonly fallback = new MemoryCacheStore(2_000);
  constructor(private readonly redis: RedisConnection) {}

  async get(key: string): Promise<string | undefined> {
    if (!this.redis.isReady) return this.fallback.get(key);
    try {
      return (await this.redis.get(key)) ?? undefined;
    } catch {
      return this.fallback.get(key);
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!this.redis.isReady) return this.fallback.set(key, value, ttlSeconds);
    try {
      await this.redis.set(key, value, { EX: ttlSeconds });
    } catch {
      await this.fallback.set(key, value, ttlSeconds);
    }
  }

  async deleteContaining(keyPrefix: string, fragment: string): Promise<number> {
    let count = await this.fallback.deleteContaining(keyPrefix, fragment);
    if (!this.redis.isReady) return count;
    const pattern = `${escapeGlob(keyPrefix)}*${escapeGlob(fragment)}*`;
    for await (const keys of this.redis.scanIterator({ MATCH: pattern, COUNT: 500 })) {
      if (keys.length > 0) count += await this.redis.unlink(keys);
    }
    return count;
  }
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The caches of the service, each a namespace over one store, counting hits and misses. Keys of
 * collection-scoped caches carry the collection id and version, so an ingest or delete (which bumps the
 * version) makes every earlier entry unreachable; they then expire by TTL.
 */
export class ServiceCache {
  constructor(
    private readonly store: CacheStore,
    private readonly prefix: string,
    private readonly metrics: Metrics,
  ) {}

  key(cache: 'embedding' | 'retrieval' | 'response', ...parts: (string | number)[]): string {
    return `${this.prefix}cache:${cache}:${parts.join(':')}`;
  }

  getJson<T>(cache: 'embedding' | 'retrieval' | 'response', key: string): Promise<T | undefined> {
    return inSpan('cache.lookup', { 'slipway.cache.name': cache }, async (span) => {
      const value = await this.lookup<T>(cache, key);
      span.setAttribute('slipway.cache.hit', value !== undefined);
      return value;
    });
  }

  private async lookup<T>(
    cache: 'embedding' | 'retrieval' | 'response',
    key: string,
  ): Promise<T | undefined> {
    const raw = await this.store.get(key);
    this.metrics.cacheRequests.inc({ cache, result: raw === undefined ? 'miss' : 'hit' });
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  async setJson(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.store.set(key, JSON.stringify(value), ttlSeconds);
  }

  /**
   * Stores in the next turn of the event loop: serialising and sending the entry happen off the request's
   * path, after what the request is doing now (writing its response) is done. Failures go to `onError`.
   */
  storeLater(key: string, value: unknown, ttlSeconds: number, onError: (error: unknown) => void): void {
    setImmediate(() => {
      this.setJson(key, value, ttlSeconds).catch(onError);
    });
  }

  /** Removes every cached entry of a collection (its id is part of each key). */
  async forgetCollection(collectionId: string): Promise<number> {
    return this.store.deleteContaining(`${this.prefix}cache:`, `:${collectionId}:`);
  }
}
