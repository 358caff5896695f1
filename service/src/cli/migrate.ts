import { ConfigError, parseSettings } from '../config/load-config.js';
import { runMigrations } from '../migrations/run-migrations.js';
import { createLogger } from '../observability/logger.js';
import { isEntryPoint } from '../is-entry-point.js';

const usage = `Usage: npm run migrate   (or node service/dist/cli/migrate.js)
  Applies pending migrations in migrations/ to DATABASE_URL (or DATABASE_URL_FILE). Takes no arguments.`;

/** `npm run migrate` / `node dist/cli/migrate.js`: applies pending migrations to DATABASE_URL. */
export async function migrateCommand(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = [],
): Promise<number> {
  if (argv.length > 0) {
    const help = argv.includes('--help') || argv.includes('-h');
    (help ? console.log : console.error)(help ? usage : `unexpected argument: ${argv[0]}\n\n${usage}`);
    return help ? 0 : 2;
  }
  try {
    const { DATABASE_URL, LOG_LEVEL } = parseSettings(env, ['DATABASE_URL', 'LOG_LEVEL']);
    const logger = createLogger(LOG_LEVEL);
    const applied = await runMigrations(DATABASE_URL, logger);
    logger.info(
      { applied },
      applied.length ? `applied ${applied.length} migration(s)` : 'schema is up to date',
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(`migration failed: ${(error as Error).message}`);
    return 1;
  }
}

if (isEntryPoint(import.meta.url))
  process.exitCode = await migrateCommand(process.env, process.argv.slice(2));
