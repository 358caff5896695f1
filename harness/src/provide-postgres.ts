import pg from 'pg';
import { postgresAnswers, startEmbeddedPostgres } from './embedded-postgres-server.js';
import { startInOwnedTempDir } from './owned-temp-dir.js';
import { resolveProviderMode, useMachineServers, type ProviderMode } from './select-provider-mode.js';
import { SharedServer } from './shared-server.js';
import { startPostgresContainer } from './testcontainers-servers.js';
import { uniqueTestName } from './unique-name.js';

export interface ProvidedPostgres {
  /** URL of the fresh database. */
  url: string;
  database: string;
  mode: ProviderMode;
  /** Drops the database (WITH (FORCE)) and stops any server this call made the harness start. */
  stop(): Promise<void>;
}

/** The machine's own Postgres, used in local mode when it answers. */
export const machinePostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

const embeddedServer = new SharedServer(async () => {
  // The temp dir itself is the data dir: startEmbeddedPostgres hands it to the `postgres` OS user.
  return startInOwnedTempDir('pg', (dataDir) => startEmbeddedPostgres({ dataDir, durable: false }));
});
const containerServer = new SharedServer(startPostgresContainer);

let machinePostgres: Promise<boolean> | undefined;

interface AdminServer {
  adminUrl: string;
  release(): Promise<void>;
}

async function acquireServer(mode: ProviderMode): Promise<AdminServer> {
  switch (mode) {
    case 'external':
      return { adminUrl: process.env.TEST_DATABASE_URL as string, release: async () => undefined };
    case 'testcontainers': {
      const server = await containerServer.acquire();
      return { adminUrl: server.url, release: () => containerServer.release() };
    }
    case 'local': {
      machinePostgres ??= postgresAnswers(machinePostgresUrl);
      if (useMachineServers() && (await machinePostgres))
        return { adminUrl: machinePostgresUrl, release: async () => undefined };
      const server = await embeddedServer.acquire();
      return { adminUrl: server.url, release: () => embeddedServer.release() };
    }
  }
}

async function withAdminClient<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database (slipway_t_<random>) on the selected server. */
export async function providePostgres(): Promise<ProvidedPostgres> {
  const mode = await resolveProviderMode('postgres');
  const server = await acquireServer(mode);
  const database = uniqueTestName();
  try {
    await withAdminClient(server.adminUrl, (client) =>
      client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`),
    );
  } catch (error) {
    await server.release();
    throw error;
  }
  const url = new URL(server.adminUrl);
  url.pathname = `/${database}`;
  let stopped: Promise<void> | undefined;
  return {
    url: url.toString(),
    database,
    mode,
    stop() {
      stopped ??= (async () => {
        try {
          await withAdminClient(server.adminUrl, (client) =>
            client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`),
          );
        } finally {
          await server.release();
        }
      })();
      return stopped;
    },
  };
}
