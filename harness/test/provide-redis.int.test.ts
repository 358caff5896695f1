import { describe, expect, it } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { provideRedis, redisAnswersPing, startRedisServer } from '../src/index.js';
import { pgrep, processAlive } from './process-check.js';

async function withClient<T>(url: string, use: (client: RedisClientType) => Promise<T>): Promise<T> {
  const client: RedisClientType = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

describe('provideRedis', () => {
  it('gives a working server and a unique key prefix; stop() deletes only its keys', async () => {
    const [a, b] = await Promise.all([provideRedis(), provideRedis()]);
    expect(a.keyPrefix).toMatch(/^slipway_t_[0-9a-f]{10}:$/);
    expect(a.keyPrefix).not.toBe(b.keyPrefix);
    try {
      await withClient(a.url, async (client) => {
        expect(await client.ping()).toBe('PONG');
        await client.set(`${a.keyPrefix}k1`, 'v1');
        await client.set(`${a.keyPrefix}k2`, 'v2');
        expect(await client.get(`${a.keyPrefix}k1`)).toBe('v1');
      });
      await withClient(b.url, (client) => client.set(`${b.keyPrefix}k1`, 'other'));
      await a.stop();
      await withClient(b.url, async (client) => {
        expect(await client.exists([`${a.keyPrefix}k1`, `${a.keyPrefix}k2`])).toBe(0);
        expect(await client.get(`${b.keyPrefix}k1`)).toBe('other');
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('startRedisServer', () => {
  it('runs a real redis-server; restart() keeps the port; stop() ends the process', async () => {
    const server = await startRedisServer({ password: 'p@ss word' });
    const firstPid = server.pid;
    try {
      expect(server.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${server.port}`);
      expect(pgrep(`redis-server 127.0.0.1:${server.port}`)).toEqual([firstPid]);
      expect(await redisAnswersPing('127.0.0.1', server.port)).toBe(false); // NOAUTH without the password
      await withClient(server.url, async (client) => {
        await client.set('k', 'v');
        expect(await client.get('k')).toBe('v');
      });

      // Mid-test outage: stop, verify it refuses, restart on the same port.
      await server.stop();
      expect(processAlive(firstPid)).toBe(false);
      expect(await redisAnswersPing('127.0.0.1', server.port, { password: 'p@ss word' })).toBe(false);
      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(pgrep(`redis-server 127.0.0.1:${server.port}`)).toEqual([server.pid]);
      await withClient(server.url, async (client) => {
        expect(await client.ping()).toBe('PONG');
        expect(await client.get('k')).toBeNull(); // no persistence: a restart is a clean server
      });
    } finally {
      await server.stop();
    }
    expect(processAlive(server.pid)).toBe(false);
    expect(pgrep(`redis-server 127.0.0.1:${server.port}`)).toEqual([]);
  });

  it('restart() also works while the server is running, and a requested port is honoured', async () => {
    const first = await startRedisServer();
    const port = first.port;
    await first.stop();
    const server = await startRedisServer({ port });
    try {
      expect(server.port).toBe(port);
      await server.restart();
      expect(server.port).toBe(port);
      await withClient(server.url, async (client) => expect(await client.ping()).toBe('PONG'));
    } finally {
      await server.stop();
    }
  });
});
