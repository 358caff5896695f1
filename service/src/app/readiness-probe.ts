import type { ReadinessProbe } from '../routes/health-routes.js';
import type { RedisConnection } from '../stores/redis-connection.js';
import type { AppDeps } from './app-deps.js';

/** What /health/ready checks: Postgres and Chroma are required, Redis is reported when configured. */
export function readinessProbe(deps: Pick<AppDeps, 'db' | 'chroma' | 'redis'>): ReadinessProbe {
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
    ],
  };
}
