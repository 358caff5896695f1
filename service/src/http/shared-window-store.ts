import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { RedisConnection } from '../stores/redis-connection.js';

/** One key's fixed window as this process knows it. */
interface Window {
  /** When the window ends (Redis's expiry once Redis has answered, else this process's own start + length). */
  resetAt: number;
  /** The shared total Redis last reported (every process's counts flushed until then). */
  shared: number;
  /** Counted here and sent, Redis's answer not yet back. */
  sending: number;
  /** Counted here since the last flush. */
  pending: number;
}

/** INCRBY the window's count; a window without an expiry (new) gets one. Answers { total, milliseconds left }. */
const INCREMENT_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  left = tonumber(ARGV[2])
end
return { total, left }`;

/**
 * A fixed-window counter shared through Redis, admitted in process (express-rate-limit's `Store`). A request
 * is counted against the shared total Redis last reported plus what this process has counted since, and is
 * answered at once: no request waits for Redis. Each key's new counts go to Redis in one INCRBY per flush
 * (`flushMs` after the first unsent count), whose answer is the new shared total and the window's expiry.
 *
 * Within one process the count is exact. Across processes a window can admit more than the limit by what the
 * others counted during one flush interval and round trip (ADR 0017). While Redis is unreachable the counts
 * stay here: each process limits on its own (ADR 0003), and rejoins the shared count when Redis answers again.
 */
export class SharedWindowStore implements Store {
  readonly prefix: string;
  private windowMs = 60_000;
  private readonly windows = new Map<string, Window>();
  private flushTimer: NodeJS.Timeout | undefined;
  private degraded = false;

  constructor(
    private readonly redis: RedisConnection | undefined,
    prefix: string,
    private readonly logger: Logger,
    private readonly flushMs = 10,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const window = this.current(key, Date.now(), false);
    return window && { totalHits: countOf(window), resetTime: new Date(window.resetAt) };
  }

  increment(key: string): IncrementResponse {
    const window = this.current(key, Date.now(), true);
    window.pending += 1;
    this.scheduleFlush();
    return { totalHits: countOf(window), resetTime: new Date(window.resetAt) };
  }

  decrement(key: string): void {
    const window = this.current(key, Date.now(), false);
    if (!window) return;
    window.pending -= 1;
    this.scheduleFlush();
  }

  async resetKey(key: string): Promise<void> {
    this.windows.delete(key);
    if (this.redis?.isReady) await this.redis.del(this.prefix + key).catch(() => undefined);
  }

  shutdown(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Sends every key's unsent counts now (also what the timer does); resolves when Redis has answered. */
  async flush(): Promise<void> {
    this.flushTimer = undefined;
    const now = Date.now();
    const sent: Promise<void>[] = [];
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
      else if (window.pending !== 0) sent.push(this.send(key, window));
    }
    await Promise.all(sent);
  }

  private current(key: string, now: number, create: true): Window;
  private current(key: string, now: number, create: boolean): Window | undefined;
  private current(key: string, now: number, create: boolean): Window | undefined {
    let window = this.windows.get(key);
    if (window && window.resetAt <= now) window = undefined;
    if (!window && create) {
      window = { resetAt: now + this.windowMs, shared: 0, sending: 0, pending: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  private async send(key: string, window: Window): Promise<void> {
    const count = window.pending;
    window.pending = 0;
    if (!this.redis?.isReady) {
      window.shared += count;
      return;
    }
    window.sending += count;
    try {
      const reply = await this.redis.sendCommand([
        'EVAL',
        INCREMENT_SCRIPT,
        '1',
        this.prefix + key,
        String(count),
        String(this.windowMs),
      ]);
      const [total, left] = reply as unknown as [number, number];
      window.sending -= count;
      window.shared = total; // later sends, still on their way, are not in it yet
      window.resetAt = Date.now() + left;
      this.noteRedis(true);
    } catch (error) {
      window.sending -= count;
      window.shared += count;
      this.noteRedis(false, error);
    }
  }

  private noteRedis(answered: boolean, error?: unknown): void {
    if (answered && this.degraded) {
      this.degraded = false;
      this.logger.info({ store: this.prefix }, 'rate limiting back on redis');
    } else if (!answered && !this.degraded) {
      this.degraded = true;
      this.logger.warn(
        { store: this.prefix, err: { message: (error as Error).message } },
        'rate limiting counts in process memory while redis is unreachable',
      );
    }
  }
}

/** Everything counted in the window as far as this process knows. */
const countOf = (window: Window) => window.shared + window.sending + window.pending;
