import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import { MigrationError } from '../errors/startup-errors.js';

/** The repository's migrations/ folder (service/src|dist/migrations → ../../../migrations). */
export const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** A file starting with this line runs outside a transaction (CREATE INDEX CONCURRENTLY needs that). */
export const noTransactionMarker = /^\s*--\s*migrate:no-transaction\b/m;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
  transactional: boolean;
}

export interface AppliedMigration {
  name: string;
  checksum: string;
}

export { MigrationError };

/**
 * Pure: which files to apply, given what the database has applied. Refuses an edited applied file
 * (checksum differs), an applied migration whose file is gone, and a new file that sorts before an applied one.
 */
export function planMigrations(files: MigrationFile[], applied: AppliedMigration[]): MigrationFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const a of applied) {
    const file = byName.get(a.name);
    if (!file) problems.push(`${a.name} was applied but its file is missing`);
    else if (file.checksum !== a.checksum)
      problems.push(`${a.name} was edited after it was applied (checksum differs)`);
  }
  const appliedNames = new Set(applied.map((a) => a.name));
  const lastApplied = applied
    .map((a) => a.name)
    .sort()
    .at(-1);
  const pending = files.filter((f) => !appliedNames.has(f.name));
  for (const f of pending) {
    if (lastApplied !== undefined && f.name < lastApplied) {
      problems.push(`${f.name} sorts before the already applied ${lastApplied}: rename it to run after it`);
    }
  }
  if (problems.length > 0) throw new MigrationError(`refusing to migrate:\n  - ${problems.join('\n  - ')}`);
  return pending;
}

export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8');
      return {
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
        transactional: !noTransactionMarker.test(sql),
      };
    }),
  );
}

const lockKey = 'slipway:migrations';

/**
 * Applies pending forward-only SQL migrations (ADR 0002): one session-level advisory lock so concurrent
 * runners serialise; checksums of applied files; each file in its own transaction unless it is marked
 * `-- migrate:no-transaction`, in which case it runs on its own and must hold a single statement.
 */
export async function runMigrations(
  databaseUrl: string,
  logger: Logger,
  dir = process.env.MIGRATIONS_DIR ?? migrationsDir,
): Promise<string[]> {
  const files = await readMigrationFiles(dir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'slipway-migrate' });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [lockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      duration_ms integer NOT NULL
    )`);
    const { rows } = await client.query<AppliedMigration>(
      `SELECT name, checksum FROM schema_migrations ORDER BY name`,
    );
    const pending = planMigrations(files, rows);
    const applied: string[] = [];
    for (const file of pending) {
      const started = performance.now();
      logger.info({ migration: file.name, transactional: file.transactional }, 'applying migration');
      try {
        if (file.transactional) await client.query('BEGIN');
        await client.query(file.sql);
        await client.query(
          `INSERT INTO schema_migrations (name, checksum, duration_ms) VALUES ($1, $2, $3)`,
          [file.name, file.checksum, Math.round(performance.now() - started)],
        );
        if (file.transactional) await client.query('COMMIT');
      } catch (error) {
        if (file.transactional) await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`${file.name} failed: ${(error as Error).message}`);
      }
      applied.push(file.name);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]).catch(() => undefined);
    await client.end();
  }
}
