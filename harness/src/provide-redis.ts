import { createClient } from 'redis';
import { redisAnswersPing } from './redis-ping.js';
import { startRedisServer } from './redis-server.js';
import { resolveProviderMode, useMachineServers, type ProviderMode } from './select-provider-mode.js';
import { SharedServer } from './shared-server.js';
import { startRedisContainer } from './testcontainers-servers.js';
import { uniqueTestName } from './unique-name.js';

export interface ProvidedRedis {
  url: string;
  /** `slipway_t_<random>:` — every key the test writes must start with it. */
  keyPrefix: string;
  mode: ProviderMode;
  /** Deletes the keys under keyPrefix and stops any server this call made the harness start. */
  stop(): Promise<void>;
}

/** The machine's own Redis, used in local mode when it answers PING. */
export const machineRedisUrl = 'redis://127.0.0.1:6379';

const startedServer = new SharedServer(() => startRedisServer());
const containerServer = new SharedServer(startRedisContainer);
let machineRedis: Promise<boolean> | undefined;

async function acquireServer(mode: ProviderMode): Promise<{ url: string; release(): Promise<void> }> {
  switch (mode) {
    case 'external':
      return { url: process.env.TEST_REDIS_URL as string, release: async () => undefined };
    case 'testcontainers': {
      const server = await containerServer.acquire();
      return { url: server.url, release: () => containerServer.release() };
    }
    case 'local': {
      machineRedis ??= redisAnswersPing('127.0.0.1', 6379);
      if (useMachineServers() && (await machineRedis))
        return { url: machineRedisUrl, release: async () => undefined };
      const server = await startedServer.acquire();
      return { url: server.url, release: () => startedServer.release() };
    }
  }
}

/** Deletes every key starting with prefix (SCAN + UNLINK, never KEYS). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  let deleted = 0;
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}

/** A Redis server plus a key prefix no other call gets. */
export async function provideRedis(): Promise<ProvidedRedis> {
  const mode = await resolveProviderMode('redis');
  const server = await acquireServer(mode);
  const keyPrefix = `${uniqueTestName()}:`;
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    keyPrefix,
    mode,
    stop() {
      stopped ??= (async () => {
        try {
          await deleteKeysWithPrefix(server.url, keyPrefix);
        } finally {
          await server.release();
        }
      })();
      return stopped;
    },
  };
}
