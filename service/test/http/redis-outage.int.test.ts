import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedisServer, type RedisServer } from '@slipway/harness';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';
import { waitFor } from '../support/wait-for.js';

/** Redis stopped mid-test (a real redis-server this test started): the service keeps serving. */
describe('Redis outage', () => {
  let redis: RedisServer;
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    redis = await startRedisServer();
    svc = await startServiceUnderTest({ REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await svc?.stop();
    await redis?.stop();
  });

  const burst = async (n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++)
      statuses.push((await request(svc.app).get('/v1/collections').set(svc.auth('read'))).status);
    return statuses;
  };

  it('counts rate limits in Redis while it is up', async () => {
    expect(await burst(3)).toEqual([200, 200, 200]);
    await waitFor(() => hasRateKeys(redis.url), 2000); // counts are sent within a flush interval
    const ready = await request(svc.app).get('/health/ready');
    expect(ready.body.checks.redis.ok).toBe(true);
  });

  it('keeps serving without 5xx while Redis is down, and readiness reports it', async () => {
    await redis.stop();
    const statuses = await burst(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // /health/ready is shared for a second: the outage shows within that
    let ready = await request(svc.app).get('/health/ready');
    for (let i = 0; i < 30 && ready.body.status !== 'degraded'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await request(svc.app).get('/health/ready');
    }
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.redis.ok).toBe(false);
    expect(ready.body.checks.redis.error).toEqual(expect.any(String));
    expect(ready.body.checks.postgres.ok).toBe(true);
    // a scrape alone refreshes the dependency gauge (nothing needs to poll readiness)
    const metrics = await request(svc.app).get('/metrics');
    expect(metrics.text).toMatch(/slipway_dependency_up\{dependency="redis"\} 0/);
    expect(metrics.text).toMatch(/slipway_dependency_up\{dependency="postgres"\} 1/);
    // writes keep working too
    const created = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'during-outage' });
    expect(created.status).toBe(201);
  });

  it('goes back to Redis when it returns', async () => {
    await redis.restart();
    const deadline = Date.now() + 10_000;
    let ready;
    do {
      await new Promise((r) => setTimeout(r, 200));
      ready = await request(svc.app).get('/health/ready');
    } while (ready.body.checks.redis.ok !== true && Date.now() < deadline);
    expect(ready.body.status).toBe('ok');
    expect(await burst(2)).toEqual([200, 200]);
    await waitFor(() => hasRateKeys(redis.url), 2000);
  });
});

/** Whether Redis holds rate-limit counters. */
async function hasRateKeys(url: string): Promise<boolean> {
  return (await fetchKeys(url)).some((k) => k.startsWith('slipway:rl:'));
}

async function fetchKeys(url: string): Promise<string[]> {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  await client.connect();
  try {
    return await client.keys('*');
  } finally {
    await client.quit();
  }
}
