import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../src/errors/app-error.js';
import { ModelError } from '../../src/errors/model-error.js';
import { toProblem } from '../../src/errors/problem-mapping.js';
import { ConfigError, MigrationError } from '../../src/errors/startup-errors.js';
import { redactUrl } from '../../src/observability/redact-url.js';
import { sharedFor } from '../../src/routes/health-routes.js';
import { findUnstorableText } from '../../src/text/storable-text.js';

describe('findUnstorableText', () => {
  it('names every field holding NUL or a lone surrogate, keys included, and __proto__ keys', () => {
    const body = JSON.parse(
      '{"ok":"fine 😀","title":"a\\u0000","metadata":{"x\\ud800":1,"y":"\\udc00"},"list":["ok","\\ud83d"],"f":{"__proto__":1}}',
    );
    expect(findUnstorableText(body).map((f) => f.path)).toEqual([
      'title',
      'metadata.(key)',
      'metadata.y',
      'list.1',
      'f.__proto__',
    ]);
    expect(findUnstorableText({ text: 'plain', n: 1, nested: [{ a: null }] })).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('redacts credential-like query values and API-key-shaped text anywhere', () => {
    expect(redactUrl('/v1/x?api_key=abc&page=2&Token=t&access%5Ftoken=z')).toBe(
      '/v1/x?api_key=[REDACTED]&page=2&Token=[REDACTED]&access%5Ftoken=[REDACTED]',
    );
    expect(redactUrl('/v1/collections/slw_abcDEF123-_x?q=slw_zzz')).toBe(
      '/v1/collections/[REDACTED]?q=[REDACTED]',
    );
    expect(redactUrl('/health/live')).toBe('/health/live');
  });
});

describe('toProblem', () => {
  const code = (c: string, message = 'x') => Object.assign(new Error(message), { code: c });
  it.each([
    ['ECONNREFUSED', code('ECONNREFUSED')],
    ['57P01 admin shutdown', code('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot connect now', code('57P03', 'the database system is starting up')],
    ['08006 connection failure', code('08006')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['terminated connection', new Error('Connection terminated unexpectedly')],
    ['aggregate of refused', new AggregateError([code('ECONNREFUSED')], '')],
  ])('maps a store outage (%s) to 503 with Retry-After', (_name, error) => {
    const { problem, unexpected } = toProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.slug).toBe('dependency-unavailable');
    expect(problem.headers?.['Retry-After']).toMatch(/^\d+$/);
    expect(unexpected).toBe(false);
  });

  it('maps model failures to 503 with the upstream Retry-After, never echoing their message', () => {
    const { problem } = toProblem(
      new ModelError('http', 'HTTP 429 from primary: secret', { retryAfterMs: 7500 }),
    );
    expect(problem.status).toBe(503);
    expect(problem.headers?.['Retry-After']).toBe('8');
    expect(problem.message).not.toContain('secret');
  });

  it('maps text Postgres cannot store to 422, config and migration failures and unknowns to a bare 500', () => {
    expect(toProblem(code('22P05')).problem.status).toBe(422);
    for (const error of [
      new ConfigError(['X is bad']),
      new MigrationError('001 failed'),
      new TypeError('bug'),
    ]) {
      const { problem, unexpected } = toProblem(error);
      expect([problem.status, problem.message, unexpected]).toEqual([
        500,
        'An unexpected error occurred.',
        true,
      ]);
    }
  });

  it('keeps AppErrors, adds Retry-After to any 503, and maps router decode errors to 400', () => {
    const notFound = new AppError(404, 'not-found', 'gone');
    expect(toProblem(notFound).problem).toBe(notFound);
    expect(
      toProblem(new AppError(503, 'dependency-unavailable')).problem.headers?.['Retry-After'],
    ).toBeDefined();
    const decode = Object.assign(new URIError('URI malformed'), { status: 400 });
    expect(toProblem(decode).problem.status).toBe(400);
  });
});

describe('sharedFor', () => {
  it('shares one run between calls within the window and runs again after it', async () => {
    let clock = 0;
    let runs = 0;
    const check = sharedFor(
      1000,
      async () => ++runs,
      () => clock,
    );
    expect(await Promise.all([check(), check(), check()])).toEqual([1, 1, 1]);
    clock = 999;
    expect(await check()).toBe(1);
    clock = 1000;
    expect(await check()).toBe(2);
  });
});
