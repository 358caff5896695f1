import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import pg from 'pg';
import { migrationsDir, runMigrations } from '../../src/migrations/run-migrations.js';
import { createLogger } from '../../src/observability/logger.js';

const logger = createLogger('silent');

describe('runMigrations against real Postgres', () => {
  let postgres: ProvidedPostgres;
  let db: pg.Client;
  let dir: string;
  beforeAll(async () => {
    postgres = await providePostgres();
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    dir = mkdtempSync(join(tmpdir(), 'slipway-migrations-'));
    for (const name of readdirSync(migrationsDir))
      writeFileSync(join(dir, name), readFileSync(join(migrationsDir, name)));
  });
  afterAll(async () => {
    await db?.end();
    await postgres?.stop();
  });

  it('applies the project migrations once, even with two runners at the same time', async () => {
    const [a, b] = await Promise.all([
      runMigrations(postgres.url, logger, dir),
      runMigrations(postgres.url, logger, dir),
    ]);
    expect([...a, ...b].sort()).toEqual(readdirSync(migrationsDir).sort());
    const tables = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining([
        'api_keys',
        'chunks',
        'collections',
        'documents',
        'query_audit',
        'schema_migrations',
      ]),
    );
    expect(await runMigrations(postgres.url, logger, dir)).toEqual([]);
  });

  it('runs a -- migrate:no-transaction file outside a transaction (CREATE INDEX CONCURRENTLY)', async () => {
    writeFileSync(
      join(dir, '0900_concurrent_index.sql'),
      '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS documents_created_at_idx ON documents (created_at);\n',
    );
    expect(await runMigrations(postgres.url, logger, dir)).toEqual(['0900_concurrent_index.sql']);
    const idx = await db.query(
      `SELECT indexname FROM pg_indexes WHERE indexname = 'documents_created_at_idx'`,
    );
    expect(idx.rowCount).toBe(1);
  });

  it('rolls a failing migration back completely and reports it', async () => {
    writeFileSync(
      join(dir, '0901_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n',
    );
    await expect(runMigrations(postgres.url, logger, dir)).rejects.toThrow(
      /0901_broken.sql failed: relation "no_such_table" does not exist/,
    );
    const table = await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'half_done'`);
    expect(table.rowCount).toBe(0);
    const recorded = await db.query(`SELECT 1 FROM schema_migrations WHERE name = '0901_broken.sql'`);
    expect(recorded.rowCount).toBe(0);
  });

  it('refuses to run when an applied migration was edited', async () => {
    writeFileSync(join(dir, '0901_broken.sql'), 'SELECT 1;\n');
    await runMigrations(postgres.url, logger, dir);
    writeFileSync(
      join(dir, '0001_initial_schema.sql'),
      readFileSync(join(migrationsDir, '0001_initial_schema.sql'), 'utf8') + '\n-- edited\n',
    );
    await expect(runMigrations(postgres.url, logger, dir)).rejects.toThrow(
      /0001_initial_schema.sql was edited after it was applied/,
    );
  });
});
