import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildConsole } from '@slipway/console/build';
import {
  startChromaServer,
  startEmbeddedPostgres,
  type ChromaServer,
  type EmbeddedPostgresServer,
} from '@slipway/harness';
import type { Logger } from 'pino';
import { basename, dirname } from 'node:path';
import { ingestDepsOf } from '@slipway/service/documents/ingest-documents';
import { collectFiles } from '@slipway/service/documents/ingest-files';
import { syncFolder } from '@slipway/service/documents/sync-folder';
import {
  removeRunningStores,
  runningStoresFile,
  writeRunningStores,
} from '@slipway/service/cli/running-stores';
import { generateApiKey } from '@slipway/service/keys/api-key-format';
import type { Runtime } from '@slipway/service/runtime';
import { runMigrations } from '@slipway/service/migrations';
import { createLogger } from '@slipway/service/observability/logger';
import { main } from '@slipway/service/server';
import { isEntryPoint } from '@slipway/service/is-entry-point';
import { superviseStores, type SupervisedStore } from './store-supervisor.js';

/** Git-ignored working data of `npm start`: embedded Postgres and Chroma data, the dev admin key. */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const defaultDataDir = `${repoRoot}.data/`;

/** The development admin key: made once, kept in .data/ so it survives restarts. */
function devAdminKey(dir: string): string {
  const file = `${dir}dev-admin-key`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * `npm start`: the service on embedded defaults. Without DATABASE_URL / CHROMA_URL it starts embedded
 * Postgres and the npm-bundled Chroma server under .data/, applies migrations, and prints the URL and a
 * development admin key. Ctrl-C / SIGTERM stops the service first, then every child it started.
 */
export async function devStart(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NODE_ENV === 'production' && (!env.DATABASE_URL || !env.CHROMA_URL)) {
    console.error(
      'npm start runs embedded stores, which production refuses: set DATABASE_URL and CHROMA_URL.',
    );
    process.exit(78);
  }
  const logger = createLogger(env.LOG_LEVEL ?? 'info');
  const devDataDir = env.SLIPWAY_DATA_DIR ? `${env.SLIPWAY_DATA_DIR.replace(/\/$/, '')}/` : defaultDataDir;
  mkdirSync(devDataDir, { recursive: true });
  const children: SupervisedStore[] = [];
  const stops = new Map<string, () => Promise<void>>();
  let supervisor: { stop(): void } | undefined;
  const storesFile = runningStoresFile(env);
  const stopChildren = async () => {
    removeRunningStores(storesFile);
    supervisor?.stop();
    await Promise.allSettled(children.reverse().map((c) => stops.get(c.name)?.()));
  };

  try {
    const serviceEnv: NodeJS.ProcessEnv = { ...env };
    if (!env.DATABASE_URL) {
      const dataDir = `${devDataDir}postgres`;
      let postgres: EmbeddedPostgresServer = await startEmbeddedPostgres({ dataDir });
      const port = postgres.port;
      children.push({
        name: 'postgres',
        pid: () => postgres.pid,
        restart: async () => {
          postgres = await startEmbeddedPostgres({ dataDir, port });
        },
      });
      stops.set('postgres', () => postgres.stop());
      serviceEnv.DATABASE_URL = postgres.url;
      logger.info({ port }, 'embedded postgres started');
    }
    if (!env.CHROMA_URL) {
      const chroma: ChromaServer = await startChromaServer({ dataDir: `${devDataDir}chroma` });
      children.push({ name: 'chroma', pid: () => chroma.pid, restart: () => chroma.restart() });
      stops.set('chroma', () => chroma.stop());
      serviceEnv.CHROMA_URL = chroma.url;
      logger.info({ port: chroma.port }, 'bundled chroma started');
    }
    supervisor = superviseStores(children, logger);
    await runMigrations(serviceEnv.DATABASE_URL as string, logger);
    // A key the operator supplied is theirs to keep secret: never printed. One made here for development is.
    const operatorKey = env.BOOTSTRAP_ADMIN_KEY !== undefined && env.BOOTSTRAP_ADMIN_KEY !== '';
    const adminKey = operatorKey ? (env.BOOTSTRAP_ADMIN_KEY as string) : devAdminKey(devDataDir);
    serviceEnv.BOOTSTRAP_ADMIN_KEY = adminKey;
    const shownKey = operatorKey ? '$BOOTSTRAP_ADMIN_KEY' : adminKey;

    await buildConsole(); // ~0.1 s with esbuild: never stale after a checkout or an edit
    // on SIGTERM/SIGINT: the service drains first, then the stores it was using stop
    const running = await main(serviceEnv, { embeddedStores: children.length > 0, afterStop: stopChildren });
    writeRunningStores(storesFile, serviceEnv);
    await seedDocs(running.runtime, logger, env);
    console.log(
      [
        '',
        `  Slipway is running at ${running.url}`,
        `  Web console:     ${running.url}/  (paste the dev admin key)`,
        `  API docs:        ${running.url}/docs   health: /health/live, /health/ready`,
        operatorKey ? '  Admin key:       the BOOTSTRAP_ADMIN_KEY you set' : `  Dev admin key:   ${adminKey}`,
        `  Answers:         ${answerMode(serviceEnv)}`,
        `  Stores file:     ${storesFile} (npm run ingest, keys and reconcile use it)`,
        `  Try:  curl -H "Authorization: Bearer ${shownKey}" -H 'content-type: application/json' \\`,
        `          -d '{"question":"How do I roll back a deploy?"}' ${running.url}/v1/collections/docs/answer`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    logger.error({ err: error }, 'start-up failed');
    await stopChildren();
    process.exit(1);
  }
}

/** The banner's line on answers: extractive unless an LLM is configured, and how to configure one. */
function answerMode(env: NodeJS.ProcessEnv): string {
  if (env.LLM_URL) return `LLM at ${new URL(env.LLM_URL).host} (extractive quotes when it fails)`;
  return 'extractive (whole sentences quoted from the docs); for written answers set LLM_URL, LLM_API_KEY, LLM_MODEL';
}

/**
 * Keeps a `docs` collection in step with the repository's docs/ (or SEED_DOCS_DIR), so a new user can ask the
 * runbooks questions at once: each start replaces changed files, adds new ones and removes deleted ones; a
 * file that fails is logged and the rest carry on. Unchanged files cost a hash, nothing is re-embedded.
 */
async function seedDocs(runtime: Runtime, logger: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  if (env.SEED_DOCS === 'false') return;
  const dir = (env.SEED_DOCS_DIR ?? `${repoRoot}docs`).replace(/\/$/, '');
  try {
    const { files } = await collectFiles([dir]);
    const report = await syncFolder(
      ingestDepsOf(runtime.deps),
      'docs',
      files.map((f) => f.path),
      dirname(dir),
      `${basename(dir)}/`,
    );
    for (const failed of report.failed)
      logger.warn(
        { document: failed.id, error: failed.error },
        'could not sync a file of the docs collection',
      );
    logger.info(
      {
        added: report.added.length,
        replaced: report.replaced.length,
        removed: report.removed.length,
        unchanged: report.unchanged.length,
        failed: report.failed.length,
      },
      `synced the docs collection with ${basename(dir)}/`,
    );
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'could not sync the docs collection');
  }
}

if (isEntryPoint(import.meta.url)) await devStart();
