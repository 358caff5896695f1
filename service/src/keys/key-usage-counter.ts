/**
 * Counts each budgeted key's usage per period window, atomically. With Redis reachable, one Lua script
 * checks and increments the window's counters (every instance shares them); Postgres gets every change as
 * well (write-through, off the request path) and is the durable record: a Redis key that is missing (first
 * use in this process, a Redis restart, an eviction) is seeded from it, never below what Redis holds. Without
 * Redis, or while it is unreachable, a conditional upsert in Postgres makes the same decision
 * (docs/adr/0009-key-budgets.md).
 */
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { RedisConnection } from '../stores/redis-connection.js';
import { admits, budgetWindow, type Budget, type BudgetUsage, type BudgetWindow } from './budget-window.js';

export interface BudgetDecision {
  allowed: boolean;
  /** The usage of the window after the decision (the admitted request counted). */
  usage: BudgetUsage;
  window: BudgetWindow;
}

/** A Redis key's hash is kept this long past its window's end (a late write-through still finds it). */
const REDIS_GRACE_MS = 3_600_000;
/** Redis keys this process seeded since it last saw Redis fail; cleared past this size. */
const MAX_SEEDED = 50_000;

// KEYS[1] the window's hash; ARGV: requests limit, tokens limit (-1 = unlimited), expire-at (ms).
// Returns {-1} when the hash is missing (to be seeded), else {allowed (1|0), requests, tokens}.
const admitScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or '0')
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
local rl = tonumber(ARGV[1])
local tl = tonumber(ARGV[2])
if (rl >= 0 and requests + 1 > rl) or (tl >= 0 and tokens >= tl) then return {0, requests, tokens} end
requests = redis.call('HINCRBY', KEYS[1], 'requests', 1)
return {1, requests, tokens}`;

// Raises each counter to at least the seed (Postgres's count), never lowers it. ARGV: requests, tokens, expire-at.
const seedScript = `
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or '0')
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
redis.call('HSET', KEYS[1], 'requests', math.max(requests, tonumber(ARGV[1])), 'tokens', math.max(tokens, tonumber(ARGV[2])))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`;

// Adds tokens to a hash that exists; a missing one is seeded from Postgres on its next use.
const chargeScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])
return 1`;

// Takes back one request from a hash that exists and counts one.
const refundScript = `
if tonumber(redis.call('HGET', KEYS[1], 'requests') or '0') < 1 then return 0 end
redis.call('HINCRBY', KEYS[1], 'requests', -1)
return 1`;

const readScript = `return redis.call('HMGET', KEYS[1], 'requests', 'tokens')`;

interface UnsavedUsage {
  keyId: string;
  window: BudgetWindow;
  requests: number;
  tokens: number;
  /** The upsert loop carrying these counts, while one runs. */
  saving?: Promise<void>;
}

export interface KeyUsageCounterOptions {
  db: Pool;
  redis?: RedisConnection;
  redisKeyPrefix: string;
  logger: Logger;
  /** The clock windows are computed from (a test seam). */
  now?: () => Date;
}

export class KeyUsageCounter {
  private readonly seeded = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Counted in Redis, not yet in Postgres: per Redis key (one key's window). */
  private readonly unsaved = new Map<string, UnsavedUsage>();
  private redisFailing = false;
  private readonly now: () => Date;

  constructor(private readonly options: KeyUsageCounterOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Counts one request against the budget if it fits, atomically; refuses it (counting nothing) if not. */
  async admit(keyId: string, budget: Budget, at = this.now()): Promise<BudgetDecision> {
    const window = budgetWindow(budget.period, at);
    if (this.options.redis?.isReady) {
      const key = this.redisKey(keyId, window);
      // Postgres is read outside the Redis calls: its failure is a Postgres outage (503), not a Redis one
      let seed = this.seeded.has(key) ? undefined : await this.durableUsage(key, keyId, window);
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await this.inRedis((redis) => this.admitInRedis(redis, key, budget, window, seed));
        if (result === undefined) break; // Redis failed: Postgres decides
        if (result !== 'missing') {
          if (result.allowed) this.writeThrough(keyId, window, 1, 0);
          return { ...result, window };
        }
        seed = await this.durableUsage(key, keyId, window); // Redis lost it (restart, eviction)
      }
    }
    return { ...(await this.admitInPostgres(keyId, budget, window)), window };
  }

  /** Adds model tokens a request spent (known only after the model answered). */
  async charge(keyId: string, budget: Budget, tokens: number, at = this.now()): Promise<void> {
    if (!(tokens > 0)) return;
    const window = budgetWindow(budget.period, at);
    const counted = await this.inRedis((redis) =>
      redis.sendCommand(['EVAL', chargeScript, '1', this.redisKey(keyId, window), String(tokens)]),
    );
    if (counted !== undefined) this.writeThrough(keyId, window, 0, tokens);
    else await this.track(this.upsert(keyId, window, 0, tokens)); // Postgres alone counts
  }

  /**
   * Gives back a request admitted in the window containing `at` that was then refused for another reason
   * before any work (the stream cap): the unit is free again for the next request.
   */
  async refund(keyId: string, budget: Budget, at = this.now()): Promise<void> {
    const window = budgetWindow(budget.period, at);
    const counted = await this.inRedis((redis) =>
      redis.sendCommand(['EVAL', refundScript, '1', this.redisKey(keyId, window)]),
    );
    if (Number(counted) === 1) this.writeThrough(keyId, window, -1, 0);
    else await this.track(this.upsert(keyId, window, -1, 0)); // Postgres alone counts (or Redis lost it)
  }

  /** The usage counted in the window containing `at`. */
  async usage(keyId: string, budget: Budget, at = this.now()): Promise<BudgetDecision['usage']> {
    const window = budgetWindow(budget.period, at);
    const fromRedis = await this.inRedis(async (redis) => {
      const [requests, tokens] = (await redis.sendCommand([
        'EVAL',
        readScript,
        '1',
        this.redisKey(keyId, window),
      ])) as (string | null)[];
      return requests === null && tokens === null
        ? undefined
        : { requests: Number(requests ?? 0), tokens: Number(tokens ?? 0) };
    });
    return fromRedis ?? this.readPostgres(keyId, window);
  }

  /** Waits for the write-through to Postgres that is still under way (shutdown, tests). */
  async flush(): Promise<void> {
    for (const [id, delta] of this.unsaved) delta.saving ??= this.track(this.save(id, delta)); // failed before
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The decision in Redis, after raising the window's hash to `seed` when given; 'missing' when it is gone. */
  private async admitInRedis(
    redis: RedisConnection,
    key: string,
    budget: Budget,
    window: BudgetWindow,
    seed: BudgetUsage | undefined,
  ) {
    if (seed) {
      const expireAt = String(window.end.getTime() + REDIS_GRACE_MS);
      const counts = [String(seed.requests), String(seed.tokens)];
      await redis.sendCommand(['EVAL', seedScript, '1', key, ...counts, expireAt]);
      if (this.seeded.size >= MAX_SEEDED) this.seeded.clear();
      this.seeded.add(key);
    }
    const limits = [String(budget.requests ?? -1), String(budget.tokens ?? -1)];
    const result = (await redis.sendCommand(['EVAL', admitScript, '1', key, ...limits])) as number[];
    if (result[0] === -1) return 'missing' as const;
    return { allowed: result[0] === 1, usage: { requests: Number(result[1]), tokens: Number(result[2]) } };
  }

  /** Postgres's count of a window, after this process's own write-through to it (a seed for Redis). */
  private async durableUsage(key: string, keyId: string, window: BudgetWindow): Promise<BudgetUsage> {
    await this.saved(key);
    return this.readPostgres(keyId, window);
  }

  private async admitInPostgres(keyId: string, budget: Budget, window: BudgetWindow) {
    // A zero limit refuses everything: the insert below would otherwise count a first request.
    if (!admits(budget, { requests: 0, tokens: 0 })) {
      return { allowed: false, usage: await this.readPostgres(keyId, window) };
    }
    const { rows } = await this.options.db.query<{ requests: string; tokens: string }>(
      `INSERT INTO api_key_usage (api_key_id, window_start, requests, tokens) VALUES ($1, $2, 1, 0)
       ON CONFLICT (api_key_id, window_start) DO UPDATE SET requests = api_key_usage.requests + 1
         WHERE ($3::bigint IS NULL OR api_key_usage.requests < $3::bigint)
           AND ($4::bigint IS NULL OR api_key_usage.tokens < $4::bigint)
       RETURNING requests, tokens`,
      [keyId, window.start, budget.requests, budget.tokens],
    );
    const row = rows[0];
    if (!row) return { allowed: false, usage: await this.readPostgres(keyId, window) };
    return { allowed: true, usage: { requests: Number(row.requests), tokens: Number(row.tokens) } };
  }

  private async readPostgres(keyId: string, window: BudgetWindow): Promise<BudgetUsage> {
    const { rows } = await this.options.db.query<{ requests: string; tokens: string }>(
      `SELECT requests, tokens FROM api_key_usage WHERE api_key_id = $1 AND window_start = $2`,
      [keyId, window.start],
    );
    return { requests: Number(rows[0]?.requests ?? 0), tokens: Number(rows[0]?.tokens ?? 0) };
  }

  private upsert(keyId: string, window: BudgetWindow, requests: number, tokens: number) {
    return this.options.db.query(
      `INSERT INTO api_key_usage (api_key_id, window_start, requests, tokens)
       VALUES ($1, $2, GREATEST($3::bigint, 0), GREATEST($4::bigint, 0))
       ON CONFLICT (api_key_id, window_start) DO UPDATE
         SET requests = GREATEST(api_key_usage.requests + $3::bigint, 0),
             tokens = GREATEST(api_key_usage.tokens + $4::bigint, 0)`,
      [keyId, window.start, requests, tokens],
    );
  }

  /**
   * Records a Redis decision in Postgres without making the request wait. Changes to one key's window are
   * coalesced: at most one upsert per window is in flight, carrying everything counted since the last one, so
   * a burst on a hot key costs Postgres a few writes, not one per request, and never floods the pool.
   */
  private writeThrough(keyId: string, window: BudgetWindow, requests: number, tokens: number): void {
    const id = this.redisKey(keyId, window);
    let delta = this.unsaved.get(id);
    if (!delta) {
      delta = { keyId, window, requests: 0, tokens: 0 };
      this.unsaved.set(id, delta);
    }
    delta.requests += requests;
    delta.tokens += tokens;
    delta.saving ??= this.track(this.save(id, delta));
  }

  private async save(id: string, delta: UnsavedUsage): Promise<void> {
    try {
      while (delta.requests !== 0 || delta.tokens !== 0) {
        const { requests, tokens } = delta;
        delta.requests = 0;
        delta.tokens = 0;
        try {
          await this.upsert(delta.keyId, delta.window, requests, tokens);
        } catch (error) {
          // kept for the next change of this window (or the flush at shutdown) to carry
          delta.requests += requests;
          delta.tokens += tokens;
          this.options.logger.warn({ err: error }, 'could not record key usage in postgres');
          return;
        }
      }
    } finally {
      delta.saving = undefined;
      if (delta.requests === 0 && delta.tokens === 0) this.unsaved.delete(id);
    }
  }

  /** This process's write-through of one window, waited for at most `ms` (a seed must not stall). */
  private async saved(id: string, ms = 1000): Promise<void> {
    const saving = this.unsaved.get(id)?.saving;
    if (!saving) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([saving, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => undefined);
    return work;
  }

  /** `op` on Redis when it is usable; undefined (count in Postgres) when it is absent or fails. */
  private async inRedis<T>(op: (redis: RedisConnection) => Promise<T>): Promise<T | undefined> {
    const redis = this.options.redis;
    if (!redis?.isReady) {
      this.markRedisFailing(undefined);
      return undefined;
    }
    try {
      const result = await op(redis);
      if (this.redisFailing) {
        this.redisFailing = false;
        this.options.logger.info('key budgets back on redis');
      }
      return result;
    } catch (error) {
      this.markRedisFailing(error);
      return undefined;
    }
  }

  /** While Redis fails, Postgres counts alone: every Redis hash is re-seeded (raised to Postgres) afterwards. */
  private markRedisFailing(error: unknown): void {
    this.seeded.clear();
    if (this.redisFailing || !this.options.redis) return;
    this.redisFailing = true;
    this.options.logger.warn(
      { err: error instanceof Error ? { message: error.message } : undefined },
      'key budgets counted in postgres while redis is unavailable',
    );
  }

  private redisKey(keyId: string, window: BudgetWindow): string {
    return `${this.options.redisKeyPrefix}budget:${keyId}:${window.start.getTime()}`;
  }
}
