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

/**
 * Process memory bounded by bytes (UTF-16 code units × 2 of key and value): the least recently used entries
 * go first (a Map keeps insertion order; a hit moves its entry to the end).
 */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expires: number; bytes: number }>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  /** The value, synchronously: what `get` answers. */
  peek(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= Date.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  put(key: string, value: string, ttlSeconds: number): void {
    this.remove(key);
    const bytes = (key.length + value.length) * 2;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000, bytes });
    this.bytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  async get(key: string): Promise<string | undefined> {
    return this.peek(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.put(key, value, ttlSeconds);
  }

  async deleteContaining(keyPrefix: string, fragment: string): Promise<number> {
    let count = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(keyPrefix) && key.includes(fragment)) count += Number(this.remove(key));
    }
    return count;
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    return true;
  }
}

/**
 * Redis, with the recently used entries also in process memory (`near`), asked first: a hit there makes no
 * round trip. Keys carry what makes an entry valid (the collection's id and version, or the text embedded),
 * so a copy in memory is never stale; it is bounded by bytes and by the entry's time to live. While Redis is
 * unreachable the near copies are the whole cache (same policy as rate limiting, ADR 0003).
 */
export class RedisCacheStore implements CacheStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly near: MemoryCacheStore,
    /** How long a value read from Redis stays near (its remaining time in Redis is not asked for). */
    private readonly nearTtlSeconds: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const near = this.near.peek(key);
    if (near !== undefined || !this.redis.isReady) return near;
    try {
      const value = (await this.redis.get(key)) ?? undefined;
      if (value !== undefined) this.near.put(key, value, this.nearTtlSeconds);
      return value;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.near.put(key, value, ttlSeconds);
    if (!this.redis.isReady) return;
    try {
      await this.redis.set(key, value, { EX: ttlSeconds });
    } catch {
      // kept near; Redis gets the next entry
    }
  }

  async deleteContaining(keyPrefix: string, fragment: string): Promise<number> {
    const nearCount = await this.near.deleteContaining(keyPrefix, fragment);
    if (!this.redis.isReady) return nearCount;
    let count = 0;
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
