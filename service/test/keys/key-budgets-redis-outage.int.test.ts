import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedisServer, type RedisServer } from '@slipway/harness';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** Redis stopped and restarted (empty) under a budgeted key: Postgres counts meanwhile, and Redis resumes from it. */
describe('key budgets across a Redis outage', () => {
  let redis: RedisServer;
  let svc: ServiceUnderTest;
  let auth: { Authorization: string };

  beforeAll(async () => {
    redis = await startRedisServer();
    svc = await startServiceUnderTest({ REDIS_URL: redis.url });
    const { key, record } = await svc.runtime.deps.keys.create('outage', ['read']);
    auth = { Authorization: `Bearer ${key}` };
    const put = await request(svc.app)
      .put(`/v1/keys/${record.id}/budget`)
      .set(svc.auth('admin'))
      .send({ period: 'day', requests: 5 });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await svc?.stop();
    await redis?.stop();
  });

  const status = async () => (await request(svc.app).get('/v1/collections').set(auth)).status;
  const usage = async () => (await request(svc.app).get('/v1/keys/me').set(auth)).body.usage;

  it('never fails open and never counts a unit twice', async () => {
    expect([await status(), await status()]).toEqual([200, 200]); // counted in Redis
    await svc.runtime.deps.keyUsage.flush();

    await redis.stop();
    expect([await status(), await status()]).toEqual([200, 200]); // counted in Postgres alone
    expect(await usage()).toEqual({ requests: 4, tokens: 0 });

    await redis.restart(); // empty: nothing was persisted
    const deadline = Date.now() + 10_000;
    while (!svc.runtime.deps.redis?.isReady && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(svc.runtime.deps.redis?.isReady).toBe(true);
    // Redis is re-seeded from Postgres: one unit is left, not five
    expect([await status(), await status(), await status()]).toEqual([200, 402, 402]);
    expect(await usage()).toEqual({ requests: 5, tokens: 0 });
    const keys = await fetchKeys(redis.url);
    expect(keys.some((k) => k.startsWith('slipway:budget:'))).toBe(true);
  });
});

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
