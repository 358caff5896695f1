import { describe, expect, it } from '@jest/globals';
import { containerImages } from '../src/index.js';

// The Testcontainers path runs for real wherever a Docker-compatible engine answers (GitHub
// runners): every provide*.int.test.ts then goes through it. Here we prove the lazily imported
// modules load on this Node (testcontainers 12 would not on Node 20) and expose what the harness uses.
describe('Testcontainers modules', () => {
  it('import cleanly and expose the classes the harness uses', async () => {
    const [core, postgres, redis] = await Promise.all([
      import('testcontainers'),
      import('@testcontainers/postgresql'),
      import('@testcontainers/redis'),
    ]);
    expect(typeof core.GenericContainer).toBe('function');
    expect(typeof core.Wait.forHttp).toBe('function');
    expect(typeof postgres.PostgreSqlContainer).toBe('function');
    expect(typeof redis.RedisContainer).toBe('function');
  });

  it('use pinned default images, overridable by env', () => {
    expect(containerImages.chroma()).toBe('chromadb/chroma:1.0.0');
    expect(containerImages.postgres()).toMatch(/^postgres:\d+/);
    expect(containerImages.redis()).toMatch(/^redis:\d+/);
  });
});
