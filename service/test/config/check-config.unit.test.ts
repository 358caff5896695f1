import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { checkConfigCommand } from '../../src/cli/check-config.js';

describe('check-config (the host-side env file check)', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('a production env the service would refuse: exit 78 and every problem listed', () => {
    const code = checkConfigCommand({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://slipway@127.0.0.1:5432/slipway',
      CHROMA_URL: 'http://127.0.0.1:8000',
      API_KEY_PEPPER: 'short',
      CORS_ORIGINS: '*',
    });
    expect(code).toBe(78);
    const text = logged.join('\n');
    expect(text).toMatch(/REDIS_URL is required in production/);
    expect(text).toMatch(/API_KEY_PEPPER is shorter than 32 characters/);
    expect(text).toMatch(/CORS_ORIGINS contains "\*"/);
    expect(text).toMatch(/DATABASE_URL has no password/);
  });

  test('a sound production env: exit 0, and no secret is printed', () => {
    const pepper = 'p'.repeat(40);
    const code = checkConfigCommand({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://slipway:s3cret-db@127.0.0.1:5432/slipway',
      REDIS_URL: 'redis://:s3cret-redis@127.0.0.1:6379',
      CHROMA_URL: 'http://127.0.0.1:8000',
      API_KEY_PEPPER: pepper,
    });
    expect(code).toBe(0);
    expect(logged.join('\n')).toBe('config ok (NODE_ENV=production)');
  });
});
