// @slipway/harness: real Postgres, Redis and Chroma for tests, and the server launchers `npm start` uses.
export {
  detectDockerEngine,
  dockerEndpoint,
  externalUrlVariable,
  forcedProviderVariable,
  resolveProviderMode,
  selectProviderMode,
  useMachineServers,
  type ProvidedService,
  type ProviderMode,
} from './select-provider-mode.js';
export { providePostgres, machinePostgresUrl, type ProvidedPostgres } from './provide-postgres.js';
export { provideRedis, machineRedisUrl, deleteKeysWithPrefix, type ProvidedRedis } from './provide-redis.js';
export {
  provideChroma,
  chromaClientFor,
  deleteCollectionsWithPrefix,
  type ProvidedChroma,
} from './provide-chroma.js';
export { startRedisServer, redisServerArgs, type RedisServer } from './redis-server.js';
export { startChromaServer, chromaCliPath, chromaHeartbeat, type ChromaServer } from './chroma-server.js';
export {
  startEmbeddedPostgres,
  postgresAnswers,
  type EmbeddedPostgresServer,
} from './embedded-postgres-server.js';
export { freePort } from './free-port.js';
export { redisAnswersPing } from './redis-ping.js';
export { containerImages } from './testcontainers-servers.js';
export { stopAllChildrenSync } from './managed-process.js';
export { sweepAbandonedTempDirs } from './owned-temp-dir.js';
