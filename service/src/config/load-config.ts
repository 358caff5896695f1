import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors/startup-errors.js';
import {
  DEVELOPMENT_PEPPER,
  configSchema,
  configShape,
  secretSettings,
  type Config,
  type SettingName,
} from './config-schema.js';
import { variantAllocationProblems } from './retrieval-variant-settings.js';

export { ConfigError };

export interface ParseOptions {
  /** Reads a NAME_FILE path; injectable for tests. */
  readFile?: (path: string) => string;
  /** The process runs on embedded stores (the dev launcher): production refuses that. */
  embeddedStores?: boolean;
}

/**
 * Turns an environment into a validated Config, or throws a ConfigError listing every problem at once.
 * Secrets may come from NAME or NAME_FILE (not both).
 */
export function parseConfig(env: NodeJS.ProcessEnv, options: ParseOptions = {}): Config {
  return parseSettings(env, undefined, options) as Config;
}

/**
 * Parses only the named settings (command-line tools need a database, not the whole service).
 * Production checks apply only to a full parse.
 */
export function parseSettings<K extends SettingName>(
  env: NodeJS.ProcessEnv,
  only: readonly K[] | undefined,
  options: ParseOptions = {},
): Pick<Config, K> {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: string[] = [];
  const raw: Record<string, string | undefined> = {};

  const wanted = new Set<SettingName>(only ?? (Object.keys(configShape) as SettingName[]));
  for (const name of wanted) {
    const value = env[name];
    raw[name] = value === '' ? undefined : value;
  }
  for (const name of secretSettings) {
    if (!wanted.has(name)) continue;
    const filePath = env[`${name}_FILE`];
    if (!filePath) continue;
    if (raw[name] !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set: use one`);
      continue;
    }
    try {
      raw[name] = readFile(filePath).trim();
    } catch (error) {
      problems.push(
        `${name}_FILE: cannot read ${filePath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }

  const schema = only
    ? z.object(Object.fromEntries(only.map((n) => [n, configShape[n]])) as Partial<typeof configShape>)
    : configSchema;
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.');
      const missing = raw[String(issue.path[0])] === undefined;
      problems.push(missing ? `${name} is required` : `${name}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config = result.data as Config;
  if (!only) {
    const unusable = missingDependentSettings(config);
    if (config.NODE_ENV === 'production') unusable.push(...findInsecureSettings(config, options));
    if (unusable.length > 0) throw new ConfigError(unusable);
  }
  return config;
}

/** Settings that only make sense together. */
function missingDependentSettings(config: Config): string[] {
  const problems: string[] = [];
  if (config.EMBEDDINGS_PROVIDER === 'openai' && !config.EMBEDDINGS_URL) {
    problems.push('EMBEDDINGS_URL is required when EMBEDDINGS_PROVIDER=openai');
  }
  if (config.LLM_FALLBACK_URL && !config.LLM_URL) problems.push('LLM_FALLBACK_URL is set without LLM_URL');
  if (config.CHUNK_OVERLAP * 2 > config.CHUNK_SIZE)
    problems.push('CHUNK_OVERLAP must be at most half of CHUNK_SIZE');
  problems.push(...variantAllocationProblems(config.RETRIEVAL_VARIANTS, config.RETRIEVAL_VARIANT_ALLOCATION));
  return problems;
}

/** Settings that are fine on a laptop and dangerous in production. Pure; every problem is listed. */
export function findInsecureSettings(config: Config, options: { embeddedStores?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (options.embeddedStores) {
    problems.push('embedded Postgres/Chroma are for development only: set DATABASE_URL and CHROMA_URL');
  }
  if (!config.REDIS_URL) {
    problems.push(
      'REDIS_URL is required in production (rate limits and caches must be shared and survive restarts)',
    );
  }
  if (config.API_KEY_PEPPER === DEVELOPMENT_PEPPER) {
    problems.push('API_KEY_PEPPER is the development default: set a random secret of at least 32 characters');
  } else if (config.API_KEY_PEPPER.length < 32) {
    problems.push('API_KEY_PEPPER is shorter than 32 characters');
  }
  if (config.BOOTSTRAP_ADMIN_KEY !== undefined && config.BOOTSTRAP_ADMIN_KEY.length < 32) {
    problems.push('BOOTSTRAP_ADMIN_KEY is shorter than 32 characters');
  }
  if (config.CORS_ORIGINS.includes('*')) {
    problems.push('CORS_ORIGINS contains "*": list the allowed origins');
  }
  if (
    /^postgres(ql)?:\/\/[^:@/]+@/.test(config.DATABASE_URL) ||
    /:\/\/[^:]+:(postgres|password|change-me)@/.test(config.DATABASE_URL)
  ) {
    problems.push('DATABASE_URL has no password or a default one');
  }
  if (config.REDIS_URL && !/^rediss?:\/\/[^@/]*:[^@/]+@/.test(config.REDIS_URL)) {
    problems.push('REDIS_URL has no password');
  }
  return problems;
}
