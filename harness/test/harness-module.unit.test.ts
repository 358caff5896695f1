import { describe, expect, it } from '@jest/globals';
import { SharedServer } from '../src/shared-server.js';
import { redisServerArgs } from '../src/redis-server.js';
import { uniqueTestName } from '../src/unique-name.js';

describe('the harness module', () => {
  it('imports cleanly with the whole public API', async () => {
    const harness = await import('../src/index.js');
    for (const name of [
      'selectProviderMode',
      'detectDockerEngine',
      'providePostgres',
      'provideRedis',
      'provideChroma',
      'startRedisServer',
      'startChromaServer',
      'startEmbeddedPostgres',
      'freePort',
    ]) {
      expect(typeof (harness as Record<string, unknown>)[name]).toBe('function');
    }
  });
});

describe('redisServerArgs', () => {
  it('runs in the foreground, loopback only, without persistence', () => {
    const args = redisServerArgs(7000);
    expect(args.slice(0, 10)).toEqual([
      '--port',
      '7000',
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ]);
    expect(args).not.toContain('--requirepass');
    expect(redisServerArgs(7000, 's3cret').slice(-2)).toEqual(['--requirepass', 's3cret']);
  });
});

describe('uniqueTestName', () => {
  it('is a valid lower-case identifier and does not repeat', () => {
    const names = new Set(Array.from({ length: 1000 }, uniqueTestName));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(/^slipway_t_[0-9a-f]{10}$/);
  });
});

describe('SharedServer', () => {
  it('starts once for concurrent holders and stops after the last release', async () => {
    const events: string[] = [];
    let n = 0;
    const shared = new SharedServer(async () => {
      const id = ++n;
      events.push(`start ${id}`);
      return { id, stop: async () => void events.push(`stop ${id}`) };
    });
    const [a, b] = await Promise.all([shared.acquire(), shared.acquire()]);
    expect(a.id).toBe(1);
    expect(b.id).toBe(1);
    await shared.release();
    expect(events).toEqual(['start 1']);
    await shared.release();
    expect(events).toEqual(['start 1', 'stop 1']);
    expect((await shared.acquire()).id).toBe(2);
    await shared.release();
    expect(events).toEqual(['start 1', 'stop 1', 'start 2', 'stop 2']);
  });

  it('a failed start is not cached', async () => {
    let attempts = 0;
    const shared = new SharedServer(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('boom');
      return { stop: async () => undefined };
    });
    await expect(shared.acquire()).rejects.toThrow('boom');
    await expect(shared.acquire()).resolves.toBeDefined();
    await shared.release();
  });
});
