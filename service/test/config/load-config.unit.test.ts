import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  findInsecureSettings,
  parseConfig,
  parseSettings,
} from '../../src/config/load-config.js';

const base = { DATABASE_URL: 'postgres://app:pw@db:5432/app', CHROMA_URL: 'http://chroma:8000' };
const secureProduction = {
  ...base,
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:s3cr3t-value@db:5432/app',
  REDIS_URL: 'redis://:redis-secret@redis:6379/0',
  API_KEY_PEPPER: 'p'.repeat(40),
  CORS_ORIGINS: 'https://app.example.com',
};

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('parseConfig', () => {
  it('applies defaults', () => {
    const config = parseConfig(base);
    expect(config).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
      MAX_BODY_BYTES: 1048576,
      RATE_LIMIT_PER_MINUTE: 120,
    });
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config.TRUST_PROXY).toBe(false);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      parseConfig({ PORT: 'seventy', LOG_LEVEL: 'loud', CHROMA_URL: 'ftp://x' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL is required',
        expect.stringMatching(/^PORT:/),
        expect.stringMatching(/^LOG_LEVEL:/),
        expect.stringMatching(/^CHROMA_URL:/),
      ]),
    );
  });

  it('reads secrets from NAME_FILE and refuses both forms at once', () => {
    const files: Record<string, string> = { '/run/secrets/pepper': 'from-file-pepper\n' };
    const readFile = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p] as string;
    };
    expect(
      parseConfig({ ...base, API_KEY_PEPPER_FILE: '/run/secrets/pepper' }, { readFile }).API_KEY_PEPPER,
    ).toBe('from-file-pepper');
    expect(
      problemsOf(() =>
        parseConfig(
          { ...base, API_KEY_PEPPER: 'x', API_KEY_PEPPER_FILE: '/run/secrets/pepper' },
          { readFile },
        ),
      ),
    ).toEqual(['API_KEY_PEPPER and API_KEY_PEPPER_FILE are both set: use one']);
    expect(
      problemsOf(() =>
        parseConfig({ ...base, DATABASE_URL: undefined, DATABASE_URL_FILE: '/missing' }, { readFile }),
      ),
    ).toEqual(expect.arrayContaining(['DATABASE_URL_FILE: cannot read /missing (ENOENT)']));
  });

  it('parses TRUST_PROXY forms', () => {
    expect(parseConfig({ ...base, TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(parseConfig({ ...base, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });

  it('accepts a secure production configuration', () => {
    expect(parseConfig(secureProduction).NODE_ENV).toBe('production');
  });

  it('refuses insecure production settings, listing each', () => {
    const problems = problemsOf(() =>
      parseConfig(
        { ...base, NODE_ENV: 'production', CORS_ORIGINS: '*', BOOTSTRAP_ADMIN_KEY: 'short-but-16chars' },
        { embeddedStores: true },
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/embedded/),
      expect.stringMatching(/^REDIS_URL is required/),
      expect.stringMatching(/^API_KEY_PEPPER is the development default/),
      expect.stringMatching(/^BOOTSTRAP_ADMIN_KEY is shorter/),
      expect.stringMatching(/^CORS_ORIGINS contains "\*"/),
    ]);
  });

  it('flags weak passwords and short peppers', () => {
    const config = parseConfig({ ...secureProduction, NODE_ENV: 'test' });
    expect(findInsecureSettings({ ...config, API_KEY_PEPPER: 'short' })).toEqual([
      'API_KEY_PEPPER is shorter than 32 characters',
    ]);
    expect(findInsecureSettings({ ...config, DATABASE_URL: 'postgres://app@db/app' })).toEqual([
      'DATABASE_URL has no password or a default one',
    ]);
    expect(findInsecureSettings({ ...config, REDIS_URL: 'redis://redis:6379' })).toEqual([
      'REDIS_URL has no password',
    ]);
  });

  it('parses a subset for command-line tools', () => {
    expect(parseSettings({ DATABASE_URL: base.DATABASE_URL }, ['DATABASE_URL'])).toEqual({
      DATABASE_URL: base.DATABASE_URL,
    });
  });
});
