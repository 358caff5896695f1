import { ConfigError, parseSettings } from '../config/load-config.js';
import { scopes, type Scope } from '../keys/api-key-format.js';
import { ApiKeyStore, type ApiKeyRecord } from '../keys/api-key-store.js';
import { budgetPeriods, budgetWindow, type Budget, type BudgetPeriod } from '../keys/budget-window.js';
import { KeyUsageCounter } from '../keys/key-usage-counter.js';
import { createLogger } from '../observability/logger.js';
import { createPostgresPool } from '../stores/postgres-pool.js';
import { isEntryPoint } from '../is-entry-point.js';
import { parseCommandLine } from './command-line.js';
import { withRunningStores } from './running-stores.js';

const usage = `Usage:
  npm run keys -- create --name NAME --scopes read[,ingest][,admin]
  npm run keys -- list
  npm run keys -- revoke ID_OR_PREFIX
  npm run keys -- budget ID_OR_PREFIX --period hour|day|month [--requests N] [--tokens N]
  npm run keys -- budget ID_OR_PREFIX --clear
  --json   machine-readable output
A budget limits a key's requests and model tokens (LLM answers, embeddings) per UTC period; past it the
key gets 402 until the period ends. \`list\` shows each budget and its usage in the current period.
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
    {
      name: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean' },
      period: { type: 'string' },
      requests: { type: 'string' },
      tokens: { type: 'string' },
      clear: { type: 'boolean' },
    },
    usage,
    out,
  );
  if (!parsed.ok) return parsed.exitCode;
  const { positionals, values } = parsed;
  const [command, target] = positionals;
  if (!['create', 'list', 'revoke', 'budget'].includes(command ?? '')) {
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
  // Postgres's durable count: at most a moment behind the Redis counters a running service keeps
  const counter = new KeyUsageCounter({ db: pool, redisKeyPrefix: '', logger: createLogger('silent') });
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
        const keys = await Promise.all((await store.list()).map((k) => withUsage(k, counter)));
        if (values.json) out.log(JSON.stringify(keys));
        else
          for (const k of keys)
            out.log(
              `${k.id}  ${k.prefix}…  ${k.name.padEnd(20)} ${k.scopes.join(',').padEnd(18)} ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}${describeBudget(k)}`,
            );
        return 0;
      }
      case 'budget': {
        const budget = parseBudget(values);
        if (!target || typeof budget === 'string') {
          out.error(`${typeof budget === 'string' ? `${budget}\n` : ''}${usage}`);
          return 2;
        }
        const key = await store.find(target);
        const updated = key && (await store.setBudget(key.id, budget));
        if (!updated) {
          out.error(`no active key (or more than one) matches ${target}`);
          return 1;
        }
        const shown = await withUsage(updated, counter);
        if (values.json) out.log(JSON.stringify(shown));
        else out.log(`${updated.id} ${updated.name}:${describeBudget(shown) || ' no budget'}`);
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

const whole = (text: string | undefined, name: string): number | null | string => {
  if (text === undefined) return null;
  return /^\d{1,15}$/.test(text) ? Number(text) : `--${name} must be a whole number ≥ 0`;
};

/** The budget the options describe, null for --clear, or the reason they do not describe one. */
export function parseBudget(values: {
  period?: string;
  requests?: string;
  tokens?: string;
  clear?: boolean;
}): Budget | null | string {
  if (values.clear) {
    return values.period || values.requests || values.tokens ? '--clear takes no limits' : null;
  }
  if (!(budgetPeriods as readonly string[]).includes(values.period ?? '')) {
    return `--period must be one of ${budgetPeriods.join(', ')}`;
  }
  const requests = whole(values.requests, 'requests');
  const tokens = whole(values.tokens, 'tokens');
  if (typeof requests === 'string') return requests;
  if (typeof tokens === 'string') return tokens;
  if (requests === null && tokens === null) return 'give --requests, --tokens or both';
  return { period: values.period as BudgetPeriod, requests, tokens };
}

type KeyWithUsage = ApiKeyRecord & {
  usage: { requests: number; tokens: number } | null;
  resetAt: string | null;
};

async function withUsage(key: ApiKeyRecord, counter: KeyUsageCounter): Promise<KeyWithUsage> {
  if (!key.budget || key.revokedAt) return { ...key, usage: null, resetAt: null };
  const now = new Date();
  return {
    ...key,
    usage: await counter.usage(key.id, key.budget, now),
    resetAt: budgetWindow(key.budget.period, now).end.toISOString(),
  };
}

function describeBudget(key: KeyWithUsage): string {
  const { budget, usage } = key;
  if (!budget) return '';
  const of = (used: number | undefined, max: number | null, unit: string) =>
    max === null ? `${used ?? 0} ${unit}` : `${used ?? 0}/${max} ${unit}`;
  const spent = `${of(usage?.requests, budget.requests, 'requests')}, ${of(usage?.tokens, budget.tokens, 'tokens')}`;
  return `  budget per ${budget.period}: ${spent}${key.resetAt ? ` (resets ${key.resetAt})` : ''}`;
}

if (isEntryPoint(import.meta.url)) process.exitCode = await keysCommand(process.argv.slice(2));
