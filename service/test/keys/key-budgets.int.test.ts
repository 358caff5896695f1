import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { provideRedis, type ProvidedRedis } from '@slipway/harness';
import pg from 'pg';
import { createClient } from 'redis';
import request from 'supertest';
import { keysCommand } from '../../src/cli/keys.js';
import type { Budget } from '../../src/keys/budget-window.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const RACERS = 20;

/** The next UTC midnight after `now`: the reset time of a daily budget. */
const nextUtcMidnight = (now = new Date()) =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe.each(['redis', 'postgres only'] as const)('key budgets, counted with %s', (mode) => {
  let svc: ServiceUnderTest;
  let redis: ProvidedRedis | undefined;
  let db: pg.Client;

  beforeAll(async () => {
    redis = mode === 'redis' ? await provideRedis() : undefined;
    svc = await startServiceUnderTest(
      redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix } : {},
    );
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
    if (redis) expect(svc.runtime.deps.redis?.isReady).toBe(true);
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
    await redis?.stop();
  });

  /** A fresh read key with `budget`, set through the admin API. */
  const budgetedKey = async (budget: Partial<Budget>) => {
    const { key, record } = await svc.runtime.deps.keys.create(`budgeted-${mode}`, ['read']);
    const put = await request(svc.app)
      .put(`/v1/keys/${record.id}/budget`)
      .set(svc.auth('admin'))
      .send(budget);
    expect(put.status).toBe(200);
    return { key, id: record.id, auth: { Authorization: `Bearer ${key}` } };
  };

  const durableUsage = async (id: string) =>
    (
      await db.query<{ requests: string; tokens: string }>(
        'SELECT requests, tokens FROM api_key_usage WHERE api_key_id = $1',
        [id],
      )
    ).rows.map((r) => ({ requests: Number(r.requests), tokens: Number(r.tokens) }));

  it(`${RACERS} concurrent requests racing the last unit of a budget: exactly one succeeds`, async () => {
    const { id, auth } = await budgetedKey({ period: 'day', requests: 3 });
    for (let i = 0; i < 2; i++) {
      expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(200);
    }
    const refusals = async () => (await svc.runtime.deps.metrics.budgetRefusals.get()).values[0]?.value ?? 0;
    const refusalsBefore = await refusals();
    const raced = await Promise.all(
      Array.from({ length: RACERS }, () => request(svc.app).get('/v1/collections').set(auth)),
    );
    const statuses = raced.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 402)).toHaveLength(RACERS - 1);
    expect((await refusals()) - refusalsBefore).toBe(RACERS - 1);

    // Postgres holds the durable count: exactly the budget, never more
    const usage = await until(
      () => durableUsage(id),
      (rows) => rows[0]?.requests === 3,
    );
    expect(usage).toEqual([{ requests: 3, tokens: 0 }]);
  });

  it('answers 402 problem+json naming the reset time, with Retry-After until then', async () => {
    const { auth } = await budgetedKey({ period: 'day', requests: 1 });
    expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(200);
    const before = Date.now();
    const refused = await request(svc.app).get('/v1/collections').set(auth);
    expect(refused.status).toBe(402);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const resetAt = nextUtcMidnight(new Date(before)).toISOString();
    expect(refused.body).toMatchObject({
      type: 'urn:slipway:problem:budget-exhausted',
      title: 'Budget exhausted',
      status: 402,
      resetAt,
    });
    expect(refused.body.detail).toContain(resetAt);
    expect(refused.body.detail).toContain('1 of 1 requests');
    const retryAfter = Number(refused.headers['retry-after']);
    const secondsLeft = (Date.parse(resetAt) - before) / 1000;
    expect(retryAfter).toBeGreaterThanOrEqual(Math.floor(secondsLeft) - 5);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(secondsLeft) + 1);
    // the refusal counted nothing
    const me = await request(svc.app).get('/v1/keys/me').set(auth);
    expect(me.body.usage).toEqual({ requests: 1, tokens: 0 });
  });

  it('GET /v1/keys/me shows scopes, budget, usage and resetAt, and is never refused or counted', async () => {
    const { auth } = await budgetedKey({ period: 'month', requests: 2, tokens: 5000 });
    const fresh = await request(svc.app).get('/v1/keys/me').set(auth);
    expect(fresh.status).toBe(200);
    const now = new Date();
    expect(fresh.body).toEqual({
      name: `budgeted-${mode}`,
      prefix: expect.any(String),
      scopes: ['read'],
      budget: { period: 'month', requests: 2, tokens: 5000 },
      usage: { requests: 0, tokens: 0 },
      resetAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    });
    for (let i = 0; i < 2; i++) await request(svc.app).get('/v1/collections').set(auth);
    expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(402);
    for (let i = 0; i < 3; i++) {
      const me = await request(svc.app).get('/v1/keys/me').set(auth);
      expect(me.status).toBe(200);
      expect(me.body.usage).toEqual({ requests: 2, tokens: 0 });
    }
    // a key without a budget says so
    const plain = await request(svc.app).get('/v1/keys/me').set(svc.auth('read'));
    expect(plain.body).toMatchObject({ scopes: ['read'], budget: null, usage: null, resetAt: null });
  });

  it('a period rolls over: usage restarts at 0 in the next window and the reset time moves', async () => {
    const { id } = await budgetedKey({ period: 'day', requests: 2 });
    const counter = svc.runtime.deps.keyUsage;
    const budget: Budget = { period: 'day', requests: 2, tokens: null };
    const lastSecond = new Date('2031-12-31T23:59:59.500Z');
    expect((await counter.admit(id, budget, lastSecond)).allowed).toBe(true);
    expect((await counter.admit(id, budget, lastSecond)).allowed).toBe(true);
    const refused = await counter.admit(id, budget, lastSecond);
    expect(refused).toMatchObject({ allowed: false, usage: { requests: 2, tokens: 0 } });
    expect(refused.window.end.toISOString()).toBe('2032-01-01T00:00:00.000Z');

    const nextDay = new Date('2032-01-01T00:00:00.000Z');
    const admitted = await counter.admit(id, budget, nextDay);
    expect(admitted).toMatchObject({ allowed: true, usage: { requests: 1, tokens: 0 } });
    expect(admitted.window.start.toISOString()).toBe('2032-01-01T00:00:00.000Z');
    expect(admitted.window.end.toISOString()).toBe('2032-01-02T00:00:00.000Z');
    expect(await counter.usage(id, budget, lastSecond)).toEqual({ requests: 2, tokens: 0 });
    expect(await counter.usage(id, budget, nextDay)).toEqual({ requests: 1, tokens: 0 });

    // tokens roll over with their window as well
    await counter.charge(id, budget, 40, nextDay);
    await counter.flush();
    expect(await counter.usage(id, budget, nextDay)).toEqual({ requests: 1, tokens: 40 });
    expect(await counter.usage(id, budget, new Date('2032-01-02T00:00:00.000Z'))).toEqual({
      requests: 0,
      tokens: 0,
    });
    await counter.flush();
    const windows = await db.query<{ window_start: Date; requests: string; tokens: string }>(
      'SELECT window_start, requests, tokens FROM api_key_usage WHERE api_key_id = $1 ORDER BY window_start',
      [id],
    );
    expect(
      windows.rows.map((r) => [r.window_start.toISOString(), Number(r.requests), Number(r.tokens)]),
    ).toEqual([
      ['2031-12-31T00:00:00.000Z', 2, 0],
      ['2032-01-01T00:00:00.000Z', 1, 40],
    ]);
  });

  it('a refunded unit is free again; a refund never goes below 0', async () => {
    const { id } = await budgetedKey({ period: 'day', requests: 1 });
    const counter = svc.runtime.deps.keyUsage;
    const budget: Budget = { period: 'day', requests: 1, tokens: null };
    expect((await counter.admit(id, budget)).allowed).toBe(true);
    expect((await counter.admit(id, budget)).allowed).toBe(false);
    await counter.refund(id, budget);
    expect((await counter.admit(id, budget)).allowed).toBe(true);
    await counter.refund(id, budget);
    await counter.refund(id, budget); // one too many
    await counter.flush();
    expect(await counter.usage(id, budget)).toEqual({ requests: 0, tokens: 0 });
    expect(await durableUsage(id)).toEqual([{ requests: 0, tokens: 0 }]);
    expect((await counter.admit(id, budget)).allowed).toBe(true);
    expect((await counter.admit(id, budget)).allowed).toBe(false);
  });

  it('a zero limit refuses every request and counts none', async () => {
    const { id, auth } = await budgetedKey({ period: 'day', requests: 0 });
    expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(402);
    const tokensOnly = await budgetedKey({ period: 'day', tokens: 0 });
    expect((await request(svc.app).get('/v1/collections').set(tokensOnly.auth)).status).toBe(402);
    await svc.runtime.deps.keyUsage.flush();
    expect(await durableUsage(id)).toEqual([]);
    expect(await durableUsage(tokensOnly.id)).toEqual([]);
  });

  it('refuses the next request once the tokens are used up, though requests are left', async () => {
    const { id, auth } = await budgetedKey({ period: 'day', requests: 100, tokens: 50 });
    const counter = svc.runtime.deps.keyUsage;
    const budget: Budget = { period: 'day', requests: 100, tokens: 50 };
    expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(200);
    await counter.charge(id, budget, 49);
    expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(200);
    await counter.charge(id, budget, 1);
    const refused = await request(svc.app).get('/v1/collections').set(auth);
    expect(refused.status).toBe(402);
    expect(refused.body.detail).toContain('50 of 50 tokens');
  });

  if (mode === 'redis') {
    it('recounts from Postgres when Redis loses its counters (a restart, an eviction)', async () => {
      const { auth } = await budgetedKey({ period: 'day', requests: 2 });
      for (let i = 0; i < 2; i++) {
        expect((await request(svc.app).get('/v1/collections').set(auth)).status).toBe(200);
      }
      await svc.runtime.deps.keyUsage.flush();
      const client = createClient({ url: redis!.url });
      await client.connect();
      try {
        const keys = await client.keys(`${redis!.keyPrefix}budget:*`);
        expect(keys.length).toBeGreaterThan(0);
        await client.del(keys);
      } finally {
        await client.quit();
      }
      const after = await request(svc.app).get('/v1/collections').set(auth);
      expect(after.status).toBe(402);
      expect((await request(svc.app).get('/v1/keys/me').set(auth)).body.usage).toEqual({
        requests: 2,
        tokens: 0,
      });
    });
  }

  if (mode === 'postgres only') {
    it('admin API: put, read and delete a budget; validation, scope and unknown keys', async () => {
      const { record } = await svc.runtime.deps.keys.create('admin-api', ['read']);
      const path = `/v1/keys/${record.id}/budget`;
      const put = await request(svc.app)
        .put(path)
        .set(svc.auth('admin'))
        .send({ period: 'hour', tokens: 1000 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        id: record.id,
        name: 'admin-api',
        budget: { period: 'hour', requests: null, tokens: 1000 },
        usage: { requests: 0, tokens: 0 },
      });
      const got = await request(svc.app).get(path).set(svc.auth('admin'));
      expect(got.body).toEqual(put.body);

      for (const body of [
        { period: 'day' },
        { period: 'week', requests: 1 },
        { period: 'day', requests: -1 },
      ]) {
        const bad = await request(svc.app).put(path).set(svc.auth('admin')).send(body);
        expect(bad.status).toBe(422);
        expect(bad.body.type).toBe('urn:slipway:problem:validation-error');
      }
      expect(
        (await request(svc.app).put(path).set(svc.auth('ingest')).send({ period: 'day', requests: 1 }))
          .status,
      ).toBe(403);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect(
        (
          await request(svc.app)
            .put(`/v1/keys/${unknown}/budget`)
            .set(svc.auth('admin'))
            .send({ period: 'day', requests: 1 })
        ).status,
      ).toBe(404);
      expect((await request(svc.app).get('/v1/keys/not-a-uuid/budget').set(svc.auth('admin'))).status).toBe(
        422,
      );

      expect((await request(svc.app).delete(path).set(svc.auth('admin'))).status).toBe(204);
      expect((await request(svc.app).get(path).set(svc.auth('admin'))).body.budget).toBeNull();
      // the OpenAPI document declares the 402 on every keyed operation
      const openapi = await request(svc.app).get('/openapi.json');
      expect(openapi.body.paths['/v1/collections'].get.responses['402']).toBeDefined();
      expect(openapi.body.paths['/v1/keys/{id}/budget'].put).toBeDefined();
    });

    it('npm run keys -- budget sets and clears a budget; list shows the usage', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const console = {
        log: (s: string) => out.push(s),
        error: (s: string) => err.push(s),
      } as unknown as Console;
      const env = { DATABASE_URL: svc.postgres.url };
      const { key, record } = await svc.runtime.deps.keys.create('cli-budget', ['read']);

      expect(await keysCommand(['budget', record.id, '--period', 'day'], env, console)).toBe(2);
      expect(err.pop()).toContain('give --requests, --tokens or both');
      expect(
        await keysCommand(['budget', record.id, '--period', 'day', '--requests', 'x'], env, console),
      ).toBe(2);

      expect(
        await keysCommand(
          ['budget', record.prefix, '--period', 'day', '--requests', '5', '--tokens', '900'],
          env,
          console,
        ),
      ).toBe(0);
      expect(out.pop()).toContain('budget per day: 0/5 requests, 0/900 tokens');
      // the running service sees it within API_KEY_CACHE_MS (a new key is not cached yet)
      expect(
        (
          await request(svc.app)
            .get('/v1/collections')
            .set({ Authorization: `Bearer ${key}` })
        ).status,
      ).toBe(200);
      await svc.runtime.deps.keyUsage.flush();

      expect(await keysCommand(['list'], env, console)).toBe(0);
      const line = out.find((l) => l.includes('cli-budget'));
      expect(line).toContain('budget per day: 1/5 requests, 0/900 tokens');
      expect(line).toContain(`resets ${nextUtcMidnight().toISOString()}`);

      expect(await keysCommand(['budget', record.id, '--clear'], env, console)).toBe(0);
      expect(out.pop()).toContain('no budget');
      expect(
        (await db.query('SELECT 1 FROM api_key_budgets WHERE api_key_id = $1', [record.id])).rowCount,
      ).toBe(0);
      expect(
        await keysCommand(['budget', '00000000-0000-4000-8000-000000000000', '--clear'], env, console),
      ).toBe(1);
    });
  }
});
