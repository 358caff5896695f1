// A service on stores this test owns (its own embedded Postgres and Chroma server), so the test can stop
// and restart them mid-load. Listens on a real HTTP port.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startChromaServer,
  startEmbeddedPostgres,
  type ChromaServer,
  type EmbeddedPostgresServer,
} from '@slipway/harness';
import { parseConfig } from '../../src/config/load-config.js';
import { runMigrations } from '../../src/migrations/run-migrations.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';

export interface OutageStack {
  base: string;
  runtime: Runtime;
  env: NodeJS.ProcessEnv;
  adminKey: string;
  postgres(): EmbeddedPostgresServer;
  chroma: ChromaServer;
  stopPostgres(): Promise<void>;
  /** Starts Postgres again on the same port and data; retries while the old one is still going away. */
  startPostgres(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageStack(settings: NodeJS.ProcessEnv = {}): Promise<OutageStack> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-outage-'));
  chmodSync(dir, 0o755); // as root, embedded Postgres runs as the postgres OS user, which must enter it
  const pgDir = join(dir, 'postgres');
  let postgres = await startEmbeddedPostgres({ dataDir: pgDir, durable: false });
  const port = postgres.port;
  const chroma = await startChromaServer({ dataDir: join(dir, 'chroma') });
  await runMigrations(postgres.url, createLogger('silent'));
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: postgres.url,
    CHROMA_URL: chroma.url,
    CHROMA_COLLECTION_PREFIX: 'outage_',
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...settings,
  };
  const runtime = await createRuntime(parseConfig(env), createLogger('silent'));
  const adminKey = (await runtime.deps.keys.create('outage-admin', ['admin'])).key;
  const server: Server = runtime.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    runtime,
    env,
    adminKey,
    postgres: () => postgres,
    chroma,
    stopPostgres: () => postgres.stop(),
    async startPostgres() {
      for (let attempt = 0; ; attempt++) {
        try {
          postgres = await startEmbeddedPostgres({ dataDir: pgDir, port, durable: false });
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
    async close() {
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
      await Promise.allSettled([postgres.stop(), chroma.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: string;
}

export async function send(
  stack: OutageStack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    body: await res.text(),
  };
}

/** Every answer must be a success or a 503 problem with Retry-After; returns the ones that are neither. */
export function unacceptable(answers: Answer[]): Answer[] {
  return answers.filter(
    (a) =>
      !(a.status < 400) &&
      !(
        a.status === 503 &&
        /application\/problem\+json/.test(a.contentType) &&
        /^\d+$/.test(a.retryAfter ?? '')
      ),
  );
}
