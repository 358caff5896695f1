import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CircuitBreaker,
  breakerStateReporter,
  type BreakerState,
} from '../../src/openai-client/circuit-breaker.js';
import { ModelError } from '../../src/errors/model-error.js';
import { createMetrics } from '../../src/observability/metrics.js';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function fail(breaker: CircuitBreaker, times = 1) {
  for (let i = 0; i < times; i++) breaker.tryAcquire()?.failure();
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and rejects while open', () => {
    const time = clock();
    const changes: [BreakerState, BreakerState][] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 3,
      cooldownMs: 5_000,
      now: time.now,
      onStateChange: (to, from) => changes.push([to, from]),
    });
    fail(breaker, 2);
    breaker.tryAcquire()?.success(); // resets the streak
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.retryInMs()).toBe(5_000);
    expect(changes).toEqual([['open', 'closed']]);
  });

  it('goes half-open after the cool-down, lets one probe through, and closes on success', () => {
    const time = clock();
    const changes: BreakerState[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      cooldownMs: 5_000,
      now: time.now,
      onStateChange: (to) => changes.push(to),
    });
    fail(breaker);
    time.advance(4_999);
    expect(breaker.tryAcquire()).toBeUndefined();
    time.advance(1);
    const probe = breaker.tryAcquire();
    expect(probe).toBeDefined();
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBeUndefined(); // only one probe at a time
    probe!.success();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens when the half-open probe fails, restarting the cool-down', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000, now: time.now });
    fail(breaker);
    time.advance(1_000);
    breaker.tryAcquire()!.failure();
    expect(breaker.state).toBe('open');
    time.advance(999);
    expect(breaker.tryAcquire()).toBeUndefined();
    time.advance(1);
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('a released probe frees the half-open slot without changing state', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: time.now });
    fail(breaker);
    time.advance(10);
    breaker.tryAcquire()!.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('opens on the failure ratio once the window has enough calls', () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 100,
      failureRatio: 0.5,
      ratioWindow: 10,
      ratioMinimumCalls: 6,
    });
    for (let i = 0; i < 2; i++) {
      breaker.tryAcquire()!.success();
      fail(breaker);
    }
    expect(breaker.state).toBe('closed'); // 4 calls < minimum
    breaker.tryAcquire()!.success();
    fail(breaker); // 6 calls, 3 failures
    expect(breaker.state).toBe('open');
  });

  it('ignores outcomes of calls that started before a state change', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: time.now });
    const slow = breaker.tryAcquire()!;
    fail(breaker); // opens
    slow.success(); // stale: must not close it
    expect(breaker.state).toBe('open');
    slow.failure(); // settled twice: still nothing
    expect(breaker.state).toBe('open');
  });

  it('run() rejects with breaker_open without calling, and does not count aborts', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    await expect(
      breaker.run(() => Promise.reject(new ModelError('aborted', 'client left'))),
    ).rejects.toMatchObject({ reason: 'aborted' });
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(() => Promise.reject(new ModelError('timeout', 'slow')))).rejects.toMatchObject({
      reason: 'timeout',
    });
    let called = false;
    await expect(
      breaker.run(
        async () => {
          called = true;
        },
        undefined,
        'primary',
      ),
    ).rejects.toMatchObject({ reason: 'breaker_open', endpoint: 'primary' });
    expect(called).toBe(false);
  });

  it('reports state to the breaker gauge', async () => {
    const metrics = createMetrics();
    const time = clock();
    const report = breakerStateReporter(metrics, 'primary');
    report('closed');
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      cooldownMs: 10,
      now: time.now,
      onStateChange: report,
    });
    fail(breaker);
    expect(await metrics.registry.metrics()).toMatch(/slipway_llm_breaker_state\{endpoint="primary"\} 2/);
    time.advance(10);
    expect(breaker.state).toBe('half_open');
    expect(await metrics.registry.metrics()).toMatch(/slipway_llm_breaker_state\{endpoint="primary"\} 1/);
  });

  it('never lets a call through while open, whatever the sequence (property)', () => {
    type Step = { kind: 'ok' } | { kind: 'fail' } | { kind: 'tick'; ms: number };
    const step = fc.oneof(
      fc.constant<Step>({ kind: 'ok' }),
      fc.constant<Step>({ kind: 'fail' }),
      fc.integer({ min: 0, max: 2_000 }).map<Step>((ms) => ({ kind: 'tick', ms })),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const time = clock();
        const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: time.now });
        for (const s of steps) {
          if (s.kind === 'tick') {
            time.advance(s.ms);
            continue;
          }
          const before = breaker.state;
          const permit = breaker.tryAcquire();
          if (before === 'open') expect(permit).toBeUndefined();
          if (s.kind === 'ok') permit?.success();
          else permit?.failure();
          if (permit && before === 'half_open')
            expect(breaker.state).toBe(s.kind === 'ok' ? 'closed' : 'open');
        }
      }),
    );
  });
});
