/**
 * A circuit breaker as a small state machine with an injectable clock.
 *
 *   closed ──(N consecutive failures, or failure ratio over the last W calls)──▶ open
 *   open ──(cool-down elapsed, checked lazily)──▶ half_open (lets `halfOpenProbes` calls through)
 *   half_open ──success──▶ closed      half_open ──failure──▶ open (cool-down restarts)
 *
 * Callers take a permit before a call and settle it afterwards. A permit carries the breaker's
 * generation, so the outcome of a call that started before a state change is not counted against
 * the new state. Permits released without an outcome (e.g. the client went away) count for nothing.
 */
import type { Metrics } from '../observability/metrics.js';
import { ModelError, isModelError } from '../errors/model-error.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Value of `slipway_llm_breaker_state`: 0 closed, 1 half-open, 2 open. */
export const breakerStateValue: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** Failure ratio over the last `ratioWindow` calls that opens the breaker. Default 0.5. */
  failureRatio?: number;
  /** Number of most recent calls the ratio looks at. Default 20. */
  ratioWindow?: number;
  /** The ratio rule applies only once the window holds this many calls. Default 10. */
  ratioMinimumCalls?: number;
  /** Time spent open before a half-open probe is allowed. Default 30 000 ms. */
  cooldownMs?: number;
  /** Concurrent calls let through while half-open. Default 1. */
  halfOpenProbes?: number;
  /** Clock in milliseconds. Default Date.now. */
  now?: () => number;
  /** Called on every transition (also the lazy open → half_open one). */
  onStateChange?: (to: BreakerState, from: BreakerState) => void;
}

export interface BreakerPermit {
  success(): void;
  failure(): void;
  /** Gives the permit back without an outcome (caller aborted). */
  release(): void;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private generation = 0;
  private consecutiveFailures = 0;
  private outcomes: boolean[] = []; // true = failure, most recent last
  private openedAt = 0;
  private probesInFlight = 0;

  private readonly failureThreshold: number;
  private readonly failureRatio: number;
  private readonly ratioWindow: number;
  private readonly ratioMinimumCalls: number;
  private readonly cooldownMs: number;
  private readonly halfOpenProbes: number;
  private readonly now: () => number;
  private readonly onStateChange: ((to: BreakerState, from: BreakerState) => void) | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.failureRatio = options.failureRatio ?? 0.5;
    this.ratioWindow = options.ratioWindow ?? 20;
    this.ratioMinimumCalls = options.ratioMinimumCalls ?? 10;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.halfOpenProbes = options.halfOpenProbes ?? 1;
    this.now = options.now ?? Date.now;
    this.onStateChange = options.onStateChange;
    if (this.failureThreshold < 1 || this.halfOpenProbes < 1 || this.ratioWindow < 1) {
      throw new RangeError('failureThreshold, halfOpenProbes and ratioWindow must be at least 1');
    }
  }

  /** Current state; moves open → half_open when the cool-down has elapsed. */
  get state(): BreakerState {
    this.refresh();
    return this.current;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryInMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.cooldownMs - this.now());
  }

  /** A permit for one call, or undefined when the breaker rejects it. */
  tryAcquire(): BreakerPermit | undefined {
    this.refresh();
    if (this.current === 'open') return undefined;
    if (this.current === 'half_open') {
      if (this.probesInFlight >= this.halfOpenProbes) return undefined;
      this.probesInFlight++;
    }
    return this.permit(this.generation, this.current === 'half_open');
  }

  /**
   * Runs `call` behind the breaker. Rejects with ModelError('breaker_open') without calling when open.
   * Errors for which `countsAsFailure` is false (default: a ModelError with reason 'aborted') settle
   * the permit without an outcome.
   */
  async run<T>(
    call: () => Promise<T>,
    countsAsFailure: (error: unknown) => boolean = (error) =>
      !(isModelError(error) && error.reason === 'aborted'),
    endpoint?: string,
  ): Promise<T> {
    const permit = this.tryAcquire();
    if (!permit) {
      throw new ModelError('breaker_open', `${endpoint ?? 'endpoint'}: circuit breaker is open`, {
        endpoint,
      });
    }
    try {
      const result = await call();
      permit.success();
      return result;
    } catch (error) {
      if (countsAsFailure(error)) permit.failure();
      else permit.release();
      throw error;
    }
  }

  private permit(generation: number, probe: boolean): BreakerPermit {
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'release') => {
      if (settled) return;
      settled = true;
      if (generation !== this.generation) return; // the state changed while this call ran
      if (probe) this.probesInFlight--;
      if (outcome === 'success') this.onSuccess();
      else if (outcome === 'failure') this.onFailure();
    };
    return {
      success: () => settle('success'),
      failure: () => settle('failure'),
      release: () => settle('release'),
    };
  }

  private onSuccess(): void {
    if (this.current === 'half_open') {
      this.transition('closed');
      return;
    }
    this.consecutiveFailures = 0;
    this.record(false);
  }

  private onFailure(): void {
    if (this.current === 'half_open') {
      this.transition('open');
      return;
    }
    this.consecutiveFailures++;
    this.record(true);
    const failures = this.outcomes.filter(Boolean).length;
    const ratioTripped =
      this.outcomes.length >= this.ratioMinimumCalls && failures / this.outcomes.length >= this.failureRatio;
    if (this.consecutiveFailures >= this.failureThreshold || ratioTripped) this.transition('open');
  }

  private record(failure: boolean): void {
    this.outcomes.push(failure);
    if (this.outcomes.length > this.ratioWindow) this.outcomes.shift();
  }

  private refresh(): void {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs)
      this.transition('half_open');
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.generation++;
    this.probesInFlight = 0;
    if (to === 'open') this.openedAt = this.now();
    if (to === 'closed') {
      this.consecutiveFailures = 0;
      this.outcomes = [];
    }
    this.onStateChange?.(to, from);
  }
}

/**
 * State-change callback that keeps `slipway_llm_breaker_state{endpoint}` current.
 * Call it once with the initial state too: `report('closed')`.
 */
export function breakerStateReporter(
  metrics: Pick<Metrics, 'llmBreakerState'>,
  endpoint: string,
): (to: BreakerState) => void {
  return (to) => metrics.llmBreakerState.set({ endpoint }, breakerStateValue[to]);
}
