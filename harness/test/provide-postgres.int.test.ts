import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { providePostgres, startEmbeddedPostgres } from '../src/index.js';
import { pgrep, processAlive } from './process-check.js';

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const adminUrl = (url: string) => Object.assign(new URL(url), { pathname: '/postgres' }).toString();

describe('providePostgres', () => {
  it('gives a fresh database that runs real SQL, isolated per call, dropped by stop()', async () => {
    const [a, b] = await Promise.all([providePostgres(), providePostgres()]);
    try {
      expect(a.database).toMatch(/^slipway_t_[0-9a-f]{10}$/);
      expect(a.database).not.toBe(b.database);
      expect(['external', 'testcontainers', 'local']).toContain(a.mode);

      await query(a.url, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
      await query(a.url, "INSERT INTO t VALUES (1, 'a')");
      expect(await query(a.url, 'SELECT current_database() AS db, v FROM t')).toEqual([
        { db: a.database, v: 'a' },
      ]);
      // b is a different, empty database.
      expect(await query(b.url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'")).toEqual([
        { n: 0 },
      ]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const left = await query(adminUrl(a.url), 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [
      [a.database, b.database],
    ]);
    expect(left).toEqual([]);
  });

  it('stop() drops the database even while a client is still connected (WITH (FORCE)), and is idempotent', async () => {
    const db = await providePostgres();
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    await db.stop();
    await db.stop();
    await client.end().catch(() => undefined);
    expect(
      await query(adminUrl(db.url), 'SELECT 1 FROM pg_database WHERE datname = $1', [db.database]),
    ).toEqual([]);
  });
});

describe('startEmbeddedPostgres', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('initialises an empty dir once, keeps data across restarts, and stop() ends the server', async () => {
    // Like `npm start`'s .data/postgres: nested dirs that do not exist yet.
    const base = mkdtempSync(join(tmpdir(), 'slipway-pg-int-'));
    chmodSync(base, 0o755);
    dirs.push(base);
    const dataDir = join(base, '.data', 'postgres');

    const first = await startEmbeddedPostgres({ dataDir }); // runs initdb
    expect(first.url).toBe(`postgres://postgres@127.0.0.1:${first.port}/postgres`);
    expect(pgrep(`postgres -D ${dataDir}`)).toContain(first.pid);
    await query(first.url, 'CREATE TABLE kept (x int)');
    await query(first.url, 'INSERT INTO kept VALUES (42)');
    expect(await query(first.url, "SELECT split_part(version(), ' ', 2) AS v")).toEqual([
      { v: expect.stringMatching(/^\d+/) },
    ]);
    await first.stop();
    expect(processAlive(first.pid)).toBe(false);
    expect(pgrep(`postgres -D ${dataDir}`)).toEqual([]);

    const second = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(await query(second.url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    } finally {
      await second.stop();
    }
    expect(pgrep(dataDir)).toEqual([]);
  });

  it('refuses a non-empty directory that holds no cluster', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slipway-pg-int-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'x'), 'not postgres');
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      /not empty and holds no Postgres cluster/,
    );
  });
});
