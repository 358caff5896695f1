import { ConfigError, parseSettings } from '../config/load-config.js';
import { scopes, type Scope } from '../keys/api-key-format.js';
import { ApiKeyStore } from '../keys/api-key-store.js';
import { createLogger } from '../observability/logger.js';
import { createPostgresPool } from '../stores/postgres-pool.js';
import { isEntryPoint } from '../is-entry-point.js';
import { parseCommandLine } from './command-line.js';
import { withRunningStores } from './running-stores.js';

const usage = `Usage:
  npm run keys -- create --name NAME --scopes read[,ingest][,admin]
  npm run keys -- list
  npm run keys -- revoke ID_OR_PREFIX
  --json   machine-readable output
Reads DATABASE_URL and API_KEY_PEPPER (or their _FILE variants); without DATABASE_URL, those of the
running \`npm start\` (.data/stores.json).`;

/** The API key CLI. Prints the new key once; only its hash is stored. */
export async function keysCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console,
): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' } },
    usage,
    out,
  );
  if (!parsed.ok) return parsed.exitCode;
  const { positionals, values } = parsed;
  const [command, target] = positionals;
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    out.error(command ? `unknown command: ${command}\n\n${usage}` : usage);
    return 2;
  }
  let settings;
  try {
    settings = parseSettings(withRunningStores(env, out), ['DATABASE_URL', 'API_KEY_PEPPER', 'LOG_LEVEL']);
  } catch (error) {
    out.error(error instanceof ConfigError ? error.message : String(error));
    return 2;
  }
  const pool = createPostgresPool(settings.DATABASE_URL, 2, createLogger('silent'));
  const store = new ApiKeyStore(pool, settings.API_KEY_PEPPER);
  try {
    switch (command) {
      case 'create': {
        const requested = (values.scopes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const invalid = requested.filter((s) => !(scopes as readonly string[]).includes(s));
        if (!values.name || requested.length === 0 || invalid.length > 0) {
          out.error(invalid.length ? `unknown scope(s): ${invalid.join(', ')}\n${usage}` : usage);
          return 2;
        }
        const { key, record } = await store.create(values.name, requested as Scope[]);
        if (values.json) out.log(JSON.stringify({ key, ...record }));
        else
          out.log(
            `created key ${record.id} (${record.scopes.join(',')})\n\n  ${key}\n\nStore it now: it cannot be shown again.`,
          );
        return 0;
      }
      case 'list': {
        const keys = await store.list();
        if (values.json) out.log(JSON.stringify(keys));
        else
          for (const k of keys)
            out.log(
              `${k.id}  ${k.prefix}…  ${k.name.padEnd(20)} ${k.scopes.join(',').padEnd(18)} ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}`,
            );
        return 0;
      }
      case 'revoke': {
        if (!target) {
          out.error(usage);
          return 2;
        }
        const count = await store.revoke(target);
        if (count === 0) {
          out.error(`no active key matches ${target}`);
          return 1;
        }
        out.log(`revoked ${count} key(s)`);
        return 0;
      }
      default:
        out.error(usage);
        return 2;
    }
  } finally {
    await pool.end();
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = await keysCommand(process.argv.slice(2));
