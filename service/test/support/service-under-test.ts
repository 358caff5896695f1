import type { ProvidedChroma, ProvidedPostgres } from '@slipway/harness';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { provideMigratedStores } from './migrated-stores.js';

export interface ServiceUnderTest {
  runtime: Runtime;
  app: Runtime['app'];
  postgres: ProvidedPostgres;
  chroma: ProvidedChroma;
  /** Plaintext keys of each scope, created through the real key store. */
  keys: { admin: string; ingest: string; read: string };
  auth(scope: 'admin' | 'ingest' | 'read'): { Authorization: string };
  /** Serves the app on a free loopback port (the first call starts it) and returns its base URL. */
  listen(): Promise<string>;
  /**
   * Creates a collection (admin key) and ingests `documents` into it (ingest key); throws on any refusal.
   * Resolves once the in-process keyword index is built at the new version.
   */
  seedCollection(name: string, documents: object[]): Promise<void>;
  /** Closes the server (and its open connections), the runtime and the stores. */
  stop(): Promise<void>;
}

/**
 * The real app on real stores: a fresh Postgres database (migrated) and a Chroma collection prefix of
 * its own, from the harness. `env` overrides settings (e.g. REDIS_URL, RATE_LIMIT_PER_MINUTE).
 */
export async function startServiceUnderTest(env: NodeJS.ProcessEnv = {}): Promise<ServiceUnderTest> {
  const stores = await provideMigratedStores();
  const { postgres, chroma } = stores;
  const logger = createLogger('silent');
  const config = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...stores.env,
    DATABASE_POOL_MAX: '4',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const runtime = await createRuntime(config, logger);
  const create = async (scope: 'admin' | 'ingest' | 'read') =>
    (await runtime.deps.keys.create(`test-${scope}`, [scope])).key;
  const keys = { admin: await create('admin'), ingest: await create('ingest'), read: await create('read') };
  let server: Server | undefined;
  const post = async (path: string, scope: 'admin' | 'ingest', body: object) => {
    const res = await fetch(`${await service.listen()}${path}`, {
      method: 'POST',
      headers: { ...service.auth(scope), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${path} → ${res.status}: ${await res.text()}`);
  };
  const service: ServiceUnderTest = {
    runtime,
    app: runtime.app,
    postgres,
    chroma,
    keys,
    auth: (scope) => ({ Authorization: `Bearer ${keys[scope]}` }),
    async listen() {
      if (!server) {
        const listening = runtime.app.listen(0, '127.0.0.1');
        server = listening;
        await new Promise((resolve) => listening.once('listening', resolve));
      }
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async seedCollection(name, documents) {
      await post('/v1/collections', 'admin', { name });
      await post(`/v1/collections/${name}/documents`, 'ingest', { documents });
      // searches then run on the in-process index (RM3 runs only there; the SQL path is plain BM25)
      const indexes = runtime.deps.keywordIndexes;
      if (indexes) {
        indexes.current(await runtime.deps.collections.resolve(name));
        await indexes.idle();
      }
    },
    async stop() {
      if (server) {
        const closing = server;
        closing.closeAllConnections();
        await new Promise((resolve) => closing.close(resolve));
      }
      await runtime.close();
      await stores.stop();
    },
  };
  return service;
}
