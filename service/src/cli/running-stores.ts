import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The settings `npm start` shares with the CLIs: where its stores run and how it reads them. */
const SHARED_SETTINGS = [
  'DATABASE_URL',
  'CHROMA_URL',
  'CHROMA_COLLECTION_PREFIX',
  'API_KEY_PEPPER',
  'EMBEDDINGS_API_KEY',
  'EMBEDDINGS_PROVIDER',
  'EMBEDDINGS_URL',
  'EMBEDDINGS_MODEL',
  'EMBEDDINGS_DIMENSIONS',
  'CHUNK_SIZE',
  'CHUNK_OVERLAP',
] as const;

const repoDataDir = fileURLToPath(new URL('../../../.data/', import.meta.url));

/** The git-ignored file `npm start` writes its store settings to: `<SLIPWAY_DATA_DIR or .data>/stores.json`. */
export function runningStoresFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.SLIPWAY_DATA_DIR ? `${env.SLIPWAY_DATA_DIR.replace(/\/$/, '')}/` : repoDataDir;
  return `${dir}stores.json`;
}

/** Written by `npm start` once its stores run (mode 0600: it may hold a password); removed when it stops. */
export function writeRunningStores(file: string, env: NodeJS.ProcessEnv): void {
  const shared: Record<string, string> = {};
  for (const name of SHARED_SETTINGS) if (env[name]) shared[name] = env[name] as string;
  writeFileSync(file, `${JSON.stringify(shared, null, 2)}\n`, { mode: 0o600 });
}

export function removeRunningStores(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The environment a CLI runs with: as given when DATABASE_URL is set; otherwise, when `npm start` is running,
 * its stores (settings already set win). Says so on `out`, so nobody wonders which database was used.
 */
export function withRunningStores(env: NodeJS.ProcessEnv, out: Pick<Console, 'error'>): NodeJS.ProcessEnv {
  if (env.DATABASE_URL || env.DATABASE_URL_FILE) return env;
  const file = runningStoresFile(env);
  if (!existsSync(file)) return env;
  let shared: Record<string, unknown>;
  try {
    shared = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    out.error(`ignoring ${file}: not readable JSON`);
    return env;
  }
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const name of SHARED_SETTINGS) {
    const value = shared[name];
    if (typeof value === 'string' && merged[name] === undefined && merged[`${name}_FILE`] === undefined)
      merged[name] = value;
  }
  out.error(`using the stores of the running \`npm start\` (${file}); set DATABASE_URL to choose others`);
  return merged;
}
