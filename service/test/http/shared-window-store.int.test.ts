import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedisServer, type RedisServer } from '@slipway/harness';
import type { Options } from 'express-rate-limit';
import { pino } from 'pino';
import { SharedWindowStore } from '../../src/http/shared-window-store.js';
import { connectRedis, type RedisConnection } from '../../src/stores/redis-connection.js';

/** The request rate limit's store on a real redis-server this test starts (and stops, for the outage). */
describe('SharedWindowStore', () => {
  let redis: RedisServer;
  let a: RedisConnection;
  let b: RedisConnection;
  let reader: RedisConnection;
  const logger = pino({ level: 'silent' });
  let n = 0;
  /** A store as a process would hold it; each test gets keys of its own. */
  const store = (connection: RedisConnection | undefined, windowMs = 60_000) => {
    const s = new SharedWindowStore(connection, 'test:rl:', logger, 60_000); // flushed by the test, not a timer
    s.init({ windowMs } as Options);
    return s;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
    a = await connectRedis(redis.url, logger);
    b = await connectRedis(redis.url, logger);
    reader = await connectRedis(redis.url, logger);
  });
  afterAll(async () => {
    await Promise.all([a, b, reader].map((c) => c?.destroy()));
    await redis?.stop();
  });

  it('answers at once from what it has counted, and sends the counts to Redis in one increment', async () => {
    const key = `k${n++}`;
    const here = store(a);
    const counts = [1, 2, 3].map(() => here.increment(key));
    expect(counts.map((c) => c.totalHits)).toEqual([1, 2, 3]); // not promises: nobody waits for Redis
    expect(await reader.get(`test:rl:${key}`)).toBeNull();
    await here.flush();
    expect(await reader.get(`test:rl:${key}`)).toBe('3');
    const ttl = await reader.pTTL(`test:rl:${key}`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('shares one window between processes: each adds what the others sent to its own count', async () => {
    const key = `k${n++}`;
    const first = store(a);
    const second = store(b);
    for (let i = 0; i < 5; i++) first.increment(key);
    await first.flush();
    expect(second.increment(key).totalHits).toBe(1); // has not heard of the other five yet
    await second.flush();
    expect(second.get(key)?.totalHits).toBe(6);
    expect(first.increment(key).totalHits).toBe(6);
    await first.flush();
    expect(first.get(key)?.totalHits).toBe(7);
    // the window's end is Redis's, the same for both
    const ends = [first.get(key)!.resetTime!.getTime(), second.get(key)!.resetTime!.getTime()];
    expect(Math.abs(ends[0]! - ends[1]!)).toBeLessThan(1000);
  });

  it('admits at most one request over the limit across two processes that alternate', async () => {
    const key = `k${n++}`;
    const processes = [store(a), store(b)];
    const limit = 20;
    let admitted = 0;
    for (let i = 0; i < 60; i++) {
      const here = processes[i % 2]!;
      if (here.increment(key).totalHits <= limit) admitted++;
      await here.flush();
    }
    // each process hears the other's latest count at its own next flush, after it has admitted: the bound
    // is what the others counted since this process last heard from Redis — here one request
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(limit + 1);
    expect(processes.map((p) => p.increment(key).totalHits > limit)).toEqual([true, true]);
  });

  it('starts a new window once the old one has expired, here and in Redis', async () => {
    const key = `k${n++}`;
    const here = store(a, 300);
    here.increment(key);
    here.increment(key);
    await here.flush();
    expect(here.get(key)?.totalHits).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(here.get(key)).toBeUndefined();
    expect(here.increment(key).totalHits).toBe(1);
    await here.flush();
    expect(await reader.get(`test:rl:${key}`)).toBe('1');
  });

  it('gives back a count (decrement) and forgets a key (resetKey) in Redis too', async () => {
    const key = `k${n++}`;
    const here = store(a);
    here.increment(key);
    here.increment(key);
    here.decrement(key);
    await here.flush();
    expect(await reader.get(`test:rl:${key}`)).toBe('1');
    await here.resetKey(key);
    expect(await reader.get(`test:rl:${key}`)).toBeNull();
    expect(here.increment(key).totalHits).toBe(1);
  });

  it('counts in process while Redis is unreachable, and rejoins the shared count when it returns', async () => {
    const key = `k${n++}`;
    const here = store(a);
    const other = store(b);
    await redis.stop();
    for (let i = 0; i < 4; i++) here.increment(key);
    await here.flush(); // fails fast: the counts stay here
    expect(here.get(key)?.totalHits).toBe(4);
    expect(here.increment(key).totalHits).toBe(5);
    await redis.restart();
    const deadline = Date.now() + 10_000;
    while (!(a.isReady && b.isReady) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    other.increment(key);
    other.increment(key);
    await other.flush();
    await here.flush(); // its one unsent count goes to Redis: the shared total is Redis's from now on
    expect(here.get(key)?.totalHits).toBe(3);
    expect(await reader.get(`test:rl:${key}`)).toBe('3');
  });
});
