/**
 * Servers in containers through Testcontainers (GitHub runners, or any Docker-compatible engine).
 * The testcontainers modules are imported lazily: `npm start` and local-mode tests never load them.
 * Ryuk (Testcontainers' reaper) removes the containers if this process dies without stopping them.
 */

export interface ContainerServer {
  url: string;
  stop(): Promise<void>;
}

const image = (variable: string, fallback: string) => process.env[variable]?.trim() || fallback;

export const containerImages = {
  postgres: () => image('SLIPWAY_TEST_POSTGRES_IMAGE', 'postgres:17-alpine'),
  redis: () => image('SLIPWAY_TEST_REDIS_IMAGE', 'redis:7-alpine'),
  chroma: () => image('SLIPWAY_TEST_CHROMA_IMAGE', 'chromadb/chroma:1.0.0'),
};

/** Superuser URL of the `postgres` database in a fresh Postgres container. */
export async function startPostgresContainer(): Promise<ContainerServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(containerImages.postgres())
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

export async function startRedisContainer(): Promise<ContainerServer> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(containerImages.redis()).start();
  return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}

export async function startChromaContainer(): Promise<ContainerServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(containerImages.chroma())
    .withExposedPorts(8000)
    .withWaitStrategy(Wait.forHttp('/api/v2/heartbeat', 8000).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `http://${container.getHost()}:${container.getMappedPort(8000)}`,
    stop: async () => void (await container.stop()),
  };
}
