import type { Request, RequestHandler, Response } from 'express';
import {
  MemoryStore,
  ipKeyGenerator,
  rateLimit,
  type ClientRateLimitInfo,
  type IncrementResponse,
  type Options,
  type Store,
} from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Logger } from 'pino';
import type { RedisConnection } from '../stores/redis-connection.js';
import { AppError } from '../errors/app-error.js';
import { sendProblem } from './problem-response.js';
import { SharedWindowStore } from './shared-window-store.js';

/**
 * Counts in Redis while Redis is reachable and in process memory while it is not (or when no
 * Redis is configured), each request waiting for its count. During an outage each instance limits on its
 * own: limits stay enforced per instance instead of failing open or failing every request. The failed-
 * authentication throttle counts with it (rare: only 401s count); the request rate limit admits in process
 * (SharedWindowStore).
 */
export class FailoverStore implements Store {
  private primary?: Store;
  private readonly fallback = new MemoryStore();
  private options?: Options;
  private degraded = false;
  readonly prefix: string;

  constructor(
    private readonly redis: RedisConnection | undefined,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.options = options;
    this.fallback.init(options);
  }

  private active(): Store {
    if (!this.redis?.isReady || !this.options) return this.fallback;
    if (!this.primary) {
      // created only once Redis is connected: RedisStore loads its script on construction
      const redis = this.redis;
      const store = new RedisStore({
        prefix: this.prefix,
        sendCommand: (...args: string[]) => redis.sendCommand(args),
      });
      store.init(this.options);
      this.primary = store;
    }
    return this.primary;
  }

  private async run<T>(op: (store: Store) => Promise<T> | T): Promise<T> {
    const store = this.active();
    if (store === this.fallback) return op(store);
    try {
      const result = await op(store);
      if (this.degraded) {
        this.degraded = false;
        this.logger.info('rate limiting back on redis');
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn(
          { err: { message: (error as Error).message } },
          'rate limiting falls back to memory',
        );
      }
      return op(this.fallback);
    }
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.run((s) => s.get?.(key));
  }
  increment(key: string): Promise<IncrementResponse> {
    return this.run((s) => s.increment(key));
  }
  decrement(key: string): Promise<void> {
    return this.run((s) => s.decrement(key));
  }
  resetKey(key: string): Promise<void> {
    return this.run((s) => s.resetKey(key));
  }
  shutdown(): void {
    this.fallback.shutdown();
  }
}

/** The rate-limit key: the API key when the caller has one, else the client IP (a /56 for IPv6). */
export function rateLimitKey(req: Request, apiKeyId: string | undefined): string {
  return apiKeyId ? `key:${apiKeyId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}

export function createRateLimiter(options: {
  perMinute: number;
  redis: RedisConnection | undefined;
  redisKeyPrefix: string;
  logger: Logger;
}): { middleware: RequestHandler; store: SharedWindowStore } {
  const store = new SharedWindowStore(options.redis, `${options.redisKeyPrefix}rl:`, options.logger);
  const middleware = rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    keyGenerator: (req, res) => rateLimitKey(req, res.locals.apiKey?.id),
    handler: (req, res) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = Math.max(
        1,
        Math.ceil(((resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000),
      );
      sendProblem(
        req,
        res,
        new AppError(
          429,
          'rate-limited',
          `Rate limit of ${options.perMinute} requests per minute exceeded.`,
          undefined,
          {
            'Retry-After': String(retryAfter),
          },
        ),
      );
    },
  });
  return { middleware, store };
}

/**
 * A stricter per-IP budget for failed authentication. Only 401 answers count; once an IP has used its
 * budget in the window it gets 429 before its key is looked up, so guessing keys costs the service almost
 * nothing. Successful requests never count, however many run at once. A request whose key this process
 * verified moments ago (`knownGood`, in memory) is no guess: it skips the counter and its round trip.
 */
export function createFailedAuthThrottle(options: {
  perMinute: number;
  redis: RedisConnection | undefined;
  redisKeyPrefix: string;
  logger: Logger;
  /** True for a request whose key is already known good (`recogniseCaller`). */
  knownGood?: (req: Request, res: Response) => boolean;
}): RequestHandler {
  const windowMs = 60_000;
  const store = new FailoverStore(options.redis, `${options.redisKeyPrefix}auth-fail:`, options.logger);
  store.init({ windowMs } as Options);
  return async (req, res, next) => {
    if (options.knownGood?.(req, res)) return next();
    const key = `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    try {
      const info = await store.get(key);
      if (info && info.totalHits >= options.perMinute) {
        const resetMs = (info.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now();
        const retryAfter = String(Math.max(1, Math.ceil(resetMs / 1000)));
        const detail = `Too many failed authentications from this address; retry in ${retryAfter} s.`;
        return next(new AppError(429, 'rate-limited', detail, undefined, { 'Retry-After': retryAfter }));
      }
    } catch (error) {
      return next(error);
    }
    res.on('finish', () => {
      if (res.statusCode === 401) store.increment(key).catch(() => undefined);
    });
    next();
  };
}
