import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { endpointUrl, describeUrl } from '../../src/openai-client/openai-request.js';
import {
  backoffDelayMs,
  defaultRetryPolicy,
  parseRetryAfterMs,
} from '../../src/openai-client/retry-policy.js';
import { ModelError, redactSecret } from '../../src/errors/model-error.js';

describe('retry policy', () => {
  it('backoff stays within [ceiling/2, ceiling] and the ceiling doubles up to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, r) => {
          const ceiling = Math.min(
            defaultRetryPolicy.maxDelayMs,
            defaultRetryPolicy.baseDelayMs * 2 ** retry,
          );
          const delay = backoffDelayMs(retry, defaultRetryPolicy, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
    expect(backoffDelayMs(0, defaultRetryPolicy, () => 0)).toBe(125);
    expect(backoffDelayMs(2, defaultRetryPolicy, () => 1)).toBe(1_000);
    expect(backoffDelayMs(10, defaultRetryPolicy, () => 1)).toBe(4_000);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('2', now)).toBe(2_000);
    expect(parseRetryAfterMs('0.5', now)).toBe(500);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('retries only transient errors', () => {
    expect(new ModelError('timeout', '').retryable).toBe(true);
    expect(new ModelError('network', '').retryable).toBe(true);
    expect(new ModelError('http', '', { status: 429 }).retryable).toBe(true);
    expect(new ModelError('http', '', { status: 502 }).retryable).toBe(true);
    expect(new ModelError('http', '', { status: 400 }).retryable).toBe(false);
    expect(new ModelError('invalid_response', '').retryable).toBe(false);
    expect(new ModelError('breaker_open', '').retryable).toBe(false);
    expect(new ModelError('aborted', '').retryable).toBe(false);
  });

  it('builds endpoint URLs and describes them without credentials', () => {
    expect(endpointUrl('http://h:1', 'embeddings')).toBe('http://h:1/v1/embeddings');
    expect(endpointUrl('http://h:1/', 'chat/completions')).toBe('http://h:1/v1/chat/completions');
    expect(endpointUrl('https://api.openai.com/v1', 'embeddings')).toBe(
      'https://api.openai.com/v1/embeddings',
    );
    expect(endpointUrl('http://h/proxy/v1/', 'embeddings')).toBe('http://h/proxy/v1/embeddings');
    expect(describeUrl('https://user:secret@h:8/v1/x?key=abc')).toBe('https://h:8/v1/x');
    expect(redactSecret('key sk-abcdef in sk-abcdef', 'sk-abcdef')).toBe('key [REDACTED] in [REDACTED]');
  });
});
