import type { ReadinessProbe } from '../routes/health-routes.js';
import type { RedisConnection } from '../stores/redis-connection.js';
import type { AppDeps } from './app-deps.js';

/** What /health/ready checks: Postgres and Chroma are required, Redis is reported when configured. */
export function readinessProbe(
  deps: Pick<AppDeps, 'db' | 'chroma' | 'redis' | 'keywordIndexes'>,
): ReadinessProbe {
  const indexes = deps.keywordIndexes;
  return {
    timeoutMs: 2000,
    checks: [
      { name: 'postgres', required: true, run: () => deps.db.query('SELECT 1') },
      { name: 'chroma', required: true, run: () => deps.chroma.heartbeat() },
      {
        name: 'redis',
        required: false,
        run: deps.redis
          ? async () => {
              const redis = deps.redis as RedisConnection;
              if (!redis.isReady) throw new Error('not connected');
              await redis.ping();
            }
          : undefined,
      },
      {
        // required while a new process builds its indexes (bounded by KEYWORD_INDEX_WARM_TIMEOUT_MS); past
        // the timeout, or when the build failed, the process is ready and serves keyword search from SQL
        name: 'keyword_index',
        required: () => indexes?.warmStatus === 'building',
        run: indexes
          ? async () => {
              const state = indexes.warmStatus;
              if (state === 'ready') return;
              if (state === 'building' || state === 'not-started')
                throw new Error('building the keyword indexes');
              throw new Error(`serving keyword search from SQL: the start-up index build ${state}`);
            }
          : undefined,
      },
    ],
  };
}
