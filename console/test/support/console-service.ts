import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@slipway/harness';
import { buildConsole } from '../../build/build-console.js';
import { parseConfig } from '@slipway/service/config/load-config';
import { createLogger } from '@slipway/service/observability/logger';
import { createRuntime, type Runtime } from '@slipway/service/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@slipway/service/testing/service-under-test';

async function listen(app: Runtime['app']): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface ConsoleService {
  url: string;
  svc: ServiceUnderTest;
  /** Calls the public API as a client would (the tests' independent view of what the page shows). */
  api(key: string, method: string, path: string, body?: unknown): Promise<Response>;
  /** The same database behind a second listener whose Chroma is unreachable: every vector write is a 503. */
  withChromaDown(): Promise<{ url: string; close(): Promise<void> }>;
  stop(): Promise<void>;
}

/** The console as built for production, served by the real service on real stores, on a loopback port. */
export async function startConsoleService(env: NodeJS.ProcessEnv = {}): Promise<ConsoleService> {
  await buildConsole();
  const svc = await startServiceUnderTest(env);
  const { url, server } = await listen(svc.app);
  const api = (key: string, method: string, path: string, body?: unknown) =>
    fetch(url + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    url,
    svc,
    api,
    async withChromaDown() {
      const config = parseConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_POOL_MAX: '2',
        RATE_LIMIT_PER_MINUTE: '100000',
        ...env,
        DATABASE_URL: svc.postgres.url,
        CHROMA_URL: `http://127.0.0.1:${await freePort()}`,
        CHROMA_COLLECTION_PREFIX: svc.chroma.collectionPrefix,
      });
      const runtime = await createRuntime(config, createLogger('silent'));
      const listener = await listen(runtime.app);
      return {
        url: listener.url,
        async close() {
          await closeServer(listener.server);
          await runtime.close();
        },
      };
    },
    async stop() {
      await closeServer(server);
      await svc.stop();
    },
  };
}
