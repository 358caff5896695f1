import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bearerToken, generateApiKey, hashApiKey, scopeSatisfies } from '../../src/keys/api-key-format.js';
import { buildMetricsAllowList, isAllowedClient } from '../../src/http/http-metrics.js';
import { trustProxyFunction } from '../../src/http/trust-proxy.js';
import { summariseReadiness } from '../../src/routes/health-routes.js';

describe('API key format', () => {
  it('generates distinct 256-bit keys and hashes them with the pepper', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey(a, 'pepper-1')).not.toBe(hashApiKey(a, 'pepper-2'));
    expect(hashApiKey(a, 'pepper-1')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('orders scopes admin ⊇ ingest ⊇ read', () => {
    expect(scopeSatisfies(['admin'], 'read')).toBe(true);
    expect(scopeSatisfies(['ingest'], 'read')).toBe(true);
    expect(scopeSatisfies(['ingest'], 'admin')).toBe(false);
    expect(scopeSatisfies(['read'], 'ingest')).toBe(false);
    expect(scopeSatisfies(['bogus'], 'read')).toBe(false);
    expect(scopeSatisfies([], 'read')).toBe(false);
  });

  it('parses only well-formed Bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), (s) => {
        const token = bearerToken(s);
        expect(token === undefined || !/\s/.test(token)).toBe(true);
      }),
    );
  });
});

describe('metrics allowlist', () => {
  const list = buildMetricsAllowList(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  it('always allows loopback, v4-mapped included', () => {
    expect(isAllowedClient(list, '127.0.0.1')).toBe(true);
    expect(isAllowedClient(list, '::ffff:127.0.0.1')).toBe(true);
    expect(isAllowedClient(list, '::1')).toBe(true);
  });
  it('allows configured CIDRs and addresses only', () => {
    expect(isAllowedClient(list, '10.20.30.40')).toBe(true);
    expect(isAllowedClient(list, '192.0.2.7')).toBe(true);
    expect(isAllowedClient(list, '192.0.2.8')).toBe(false);
    expect(isAllowedClient(list, 'fd12::1')).toBe(true);
    expect(isAllowedClient(list, '203.0.113.1')).toBe(false);
    expect(isAllowedClient(list, undefined)).toBe(false);
    expect(isAllowedClient(list, 'not-an-ip')).toBe(false);
  });
  it('rejects malformed entries at start-up', () => {
    expect(() => buildMetricsAllowList(['10.0.0.0/8', 'intranet'])).toThrow(/METRICS_ALLOW/);
  });
});

describe('trust proxy', () => {
  it('trusts the unix-socket peer only when listening on a socket', () => {
    expect(trustProxyFunction(false, true)(undefined as unknown as string, 0)).toBe(true);
    expect(trustProxyFunction(false, false)(undefined as unknown as string, 0)).toBe(false);
    expect(trustProxyFunction(false, true)('203.0.113.1', 1)).toBe(false);
  });
  it('honours hop counts and CIDR lists', () => {
    expect(trustProxyFunction(1, false)('1.2.3.4', 0)).toBe(true);
    expect(trustProxyFunction(1, false)('1.2.3.4', 1)).toBe(false);
    expect(trustProxyFunction(['loopback'], false)('127.0.0.1', 0)).toBe(true);
    expect(trustProxyFunction(['loopback'], false)('10.0.0.1', 0)).toBe(false);
  });
});

describe('readiness summary', () => {
  const check = (ok: boolean | 'skipped') => ({ ok, latencyMs: 1 });
  it('is unavailable when a required dependency is down, degraded when an optional one is', () => {
    expect(
      summariseReadiness([
        { name: 'pg', required: true, check: check(true) },
        { name: 'r', required: false, check: check('skipped') },
      ]),
    ).toBe('ok');
    expect(
      summariseReadiness([
        { name: 'pg', required: true, check: check(true) },
        { name: 'r', required: false, check: check(false) },
      ]),
    ).toBe('degraded');
    expect(
      summariseReadiness([
        { name: 'pg', required: true, check: check(false) },
        { name: 'r', required: false, check: check(true) },
      ]),
    ).toBe('unavailable');
  });
});
