import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedisServer, type RedisServer } from '@slipway/harness';
import { pino } from 'pino';
import { MemoryCacheStore, RedisCacheStore } from '../../src/caches/cache-store.js';
import { connectRedis, type RedisConnection } from '../../src/stores/redis-connection.js';

describe('MemoryCacheStore', () => {
  it('keeps within its bytes, dropping the least recently used entry first', async () => {
    const entry = 'x'.repeat(100); // (1-char key + 100) × 2 = 202 bytes each
    const memory = new MemoryCacheStore(202 * 3);
    memory.put('a', entry, 60);
    memory.put('b', entry, 60);
    memory.put('c', entry, 60);
    expect(memory.peek('a')).toBe(entry); // a is now the most recently used
    memory.put('d', entry, 60);
    expect(['a', 'b', 'c', 'd'].map((k) => memory.peek(k) !== undefined)).toEqual([true, false, true, true]);
    memory.put('big', 'y'.repeat(1000), 60); // larger than the whole store: not kept, nothing dropped for it
    expect(memory.peek('big')).toBeUndefined();
    expect(memory.peek('c')).toBe(entry);
  });

  it('drops an entry once its time to live has passed', async () => {
    const memory = new MemoryCacheStore(10_000);
    memory.put('a', 'value', 0.05);
    expect(await memory.get('a')).toBe('value');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await memory.get('a')).toBeUndefined();
  });

  it('holds nothing with no bytes to spend (CACHE_MEMORY_MB=0)', async () => {
    const memory = new MemoryCacheStore(0);
    await memory.set('a', 'value', 60);
    expect(await memory.get('a')).toBeUndefined();
  });
});

/** The near copies in front of a real redis-server this test starts (and stops, for the outage). */
describe('RedisCacheStore', () => {
  let redis: RedisServer;
  let connection: RedisConnection;
  let other: RedisConnection;
  beforeAll(async () => {
    redis = await startRedisServer();
    connection = await connectRedis(redis.url, pino({ level: 'silent' }));
    other = await connectRedis(redis.url, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await Promise.all([connection, other].map((c) => c?.destroy()));
    await redis?.stop();
  });

  it('serves a value another process stored from Redis, then from memory without asking Redis', async () => {
    const store = new RedisCacheStore(connection, new MemoryCacheStore(1 << 20), 60);
    await other.set('p:cache:retrieval:c1:7:x', 'stored elsewhere', { EX: 60 });
    expect(await store.get('p:cache:retrieval:c1:7:x')).toBe('stored elsewhere');
    await other.del('p:cache:retrieval:c1:7:x'); // Redis forgets it (expiry, eviction): the near copy stays
    expect(await store.get('p:cache:retrieval:c1:7:x')).toBe('stored elsewhere');
  });

  it('writes through to Redis, and a collection forgotten here is gone from both', async () => {
    const store = new RedisCacheStore(connection, new MemoryCacheStore(1 << 20), 60);
    await store.set('p:cache:retrieval:c2:1:x', 'answer', 60);
    expect(await other.get('p:cache:retrieval:c2:1:x')).toBe('answer');
    await store.deleteContaining('p:cache:', ':c2:');
    expect(await other.get('p:cache:retrieval:c2:1:x')).toBeNull();
    expect(await store.get('p:cache:retrieval:c2:1:x')).toBeUndefined();
  });

  it('serves its near copies while Redis is down: an outage costs round trips, not every hit', async () => {
    const store = new RedisCacheStore(connection, new MemoryCacheStore(1 << 20), 60);
    await store.set('p:cache:response:c3:1:x', 'kept near', 60);
    await redis.stop();
    try {
      expect(await store.get('p:cache:response:c3:1:x')).toBe('kept near');
      expect(await store.get('p:cache:response:c3:1:other')).toBeUndefined();
      await store.set('p:cache:response:c3:1:new', 'during the outage', 60);
      expect(await store.get('p:cache:response:c3:1:new')).toBe('during the outage');
    } finally {
      await redis.restart();
    }
  });
});
