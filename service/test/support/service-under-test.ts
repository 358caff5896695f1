import { providePostgres, provideChroma, type ProvidedChroma, type ProvidedPostgres } from '@slipway/harness';
import { parseConfig } from '../../src/config/load-config.js';
import { runMigrations } from '../../src/migrations/run-migrations.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';

export interface ServiceUnderTest {
  runtime: Runtime;
  app: Runtime['app'];
  postgres: ProvidedPostgres;
  chroma: ProvidedChroma;
  /** Plaintext keys of each scope, created through the real key store. */
  keys: { admin: string; ingest: string; read: string };
  auth(scope: 'admin' | 'ingest' | 'read'): { Authorization: string };
  stop(): Promise<void>;
}

/**
 * The real app on real stores: a fresh Postgres database (migrated) and a Chroma collection prefix of
 * its own, from the harness. `env` overrides settings (e.g. REDIS_URL, RATE_LIMIT_PER_MINUTE).
 */
export async function startServiceUnderTest(env: NodeJS.ProcessEnv = {}): Promise<ServiceUnderTest> {
  const [postgres, chroma] = await Promise.all([providePostgres(), provideChroma()]);
  const logger = createLogger('silent');
  await runMigrations(postgres.url, logger);
  const config = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: postgres.url,
    DATABASE_POOL_MAX: '4',
    CHROMA_URL: chroma.url,
    CHROMA_COLLECTION_PREFIX: chroma.collectionPrefix,
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const runtime = await createRuntime(config, logger);
  const create = async (scope: 'admin' | 'ingest' | 'read') =>
    (await runtime.deps.keys.create(`test-${scope}`, [scope])).key;
  const keys = { admin: await create('admin'), ingest: await create('ingest'), read: await create('read') };
  return {
    runtime,
    app: runtime.app,
    postgres,
    chroma,
    keys,
    auth: (scope) => ({ Authorization: `Bearer ${keys[scope]}` }),
    async stop() {
      await runtime.close();
      await Promise.allSettled([postgres.stop(), chroma.stop()]);
    },
  };
}
