import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  containerImages,
  providePostgres,
  startChromaServer,
  type ChromaServer,
  type ProvidedPostgres,
} from '@slipway/harness';
import { ChromaClient } from 'chromadb';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runCommand } from './run-command.js';

// Backup → wipe → restore into a FRESH database and a FRESH Chroma server, through the real
// scripts/backup and scripts/restore, against the real schema (migrations/0001_*.sql).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const backupScript = path.join(root, 'scripts/backup');
const restoreScript = path.join(root, 'scripts/restore');
const dims = 64;

/** Deterministic bag-of-words hashing embedding (the test's own; vectors only need to be stable). */
function embed(text: string): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const digest = createHash('sha256').update(word).digest();
    const index = digest.readUInt16BE(0) % dims;
    vector[index] = (vector[index] ?? 0) + ((digest[2] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

const topics = [
  'rotate the api key with the keys cli and revoke the old key',
  'renew the tls certificate with certbot webroot',
  'restore postgres from a pg_dump custom archive',
  'scale the service beyond one host with a load balancer',
  'chroma stores one collection per slipway collection',
  'prometheus alerts on the error budget burn rate',
  'nginx switches the upstream by an atomic symlink swap',
  'redis holds rate limit counters and caches',
];
const documents = Array.from({ length: 40 }, (_, i) => ({
  id: `doc-${i}`,
  text: `${topics[i % topics.length]} variant ${i} ${'filler words about operations '.repeat(1 + (i % 3))}`,
}));
const query = 'how do I rotate an api key and revoke the old one';

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function seed(url: string, chroma: ChromaServer): Promise<void> {
  const schema = await readFile(path.join(root, 'migrations/0001_initial_schema.sql'), 'utf8');
  await withClient(url, async (client) => {
    await client.query(schema);
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO collections (name) VALUES ('handbook') RETURNING id`,
    );
    const collectionId = rows[0]?.id;
    for (const doc of documents) {
      const sha = createHash('sha256').update(doc.text).digest('hex');
      await client.query(
        `INSERT INTO documents (collection_id, id, text, sha256, chunk_count) VALUES ($1, $2, $3, $4, 1)`,
        [collectionId, doc.id, doc.text, sha],
      );
      await client.query(
        `INSERT INTO chunks (collection_id, id, document_id, ordinal, text, start_offset, end_offset)
         VALUES ($1, $2, $3, 0, $4, 0, $5)`,
        [collectionId, `${doc.id}:0`, doc.id, doc.text, doc.text.length],
      );
    }
    await client.query(
      `INSERT INTO query_audit (kind, query, latency_ms, created_at) VALUES
        ('search', 'old', 1, now() - interval '120 days'),
        ('search', 'older', 1, now() - interval '400 days'),
        ('answer', 'recent', 1, now() - interval '2 days')`,
    );
  });
  const collection = await chromaClient(chroma).createCollection({
    name: 'slipway_handbook',
    embeddingFunction: null,
    configuration: { hnsw: { space: 'cosine' } },
  });
  await collection.add({
    ids: documents.map((d) => `${d.id}:0`),
    embeddings: documents.map((d) => embed(d.text)),
    metadatas: documents.map((d) => ({ documentId: d.id })),
  });
}

function chromaClient(chroma: ChromaServer): ChromaClient {
  return new ChromaClient({ host: chroma.host, port: chroma.port, ssl: false });
}

async function observe(url: string, chroma: ChromaServer): Promise<{ documents: number; top: string[] }> {
  const count = await withClient(url, (client) =>
    client.query<{ n: string }>('SELECT count(*) AS n FROM documents').then((r) => Number(r.rows[0]?.n)),
  );
  const collection = await chromaClient(chroma).getCollection({ name: 'slipway_handbook' });
  const result = await collection.query({ queryEmbeddings: [embed(query)], nResults: 3 });
  return { documents: count, top: result.ids[0] ?? [] };
}

/**
 * pg_dump refuses a server newer than itself (GitHub runners: client 16, Testcontainers server 17). Then
 * every backup/restore here runs the pg tools the way production does — `--postgres-container` — with
 * the stand-in docker CLI running them in a throwaway container of the server's image.
 */
async function pgToolsInContainer(url: string): Promise<boolean> {
  const client = Number(/(\d+)/.exec(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }))?.[1]);
  const server = await withClient(url, (c) =>
    c.query<{ v: string }>('SHOW server_version_num').then((r) => Math.floor(Number(r.rows[0]?.v) / 10000)),
  );
  return client < server;
}

/**
 * A stand-in for the docker CLI (scripts take it from DOCKER): it appends its argv to $FAKE_DOCKER_LOG,
 * runs `exec -i NAME cmd…` as cmd… (here, or in a container of the Postgres image when pg tools must
 * match a newer server), and maps pause/unpause to SIGSTOP/SIGCONT of $FAKE_CHROMA_PID.
 */
async function writeStandInDocker(file: string, pgInContainer: boolean): Promise<void> {
  const execPrefix = pgInContainer ? `docker run --rm -i --network host ${containerImages.postgres()} ` : '';
  await writeFile(
    file,
    `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$FAKE_DOCKER_LOG"
case "$1" in
  exec) shift 3; exec ${execPrefix}"$@" ;;
  pause) kill -STOP "$FAKE_CHROMA_PID" ;;
  unpause) kill -CONT "$FAKE_CHROMA_PID" ;;
esac
`,
    { mode: 0o755 },
  );
}

let work: string;
let source: ProvidedPostgres;
let target: ProvidedPostgres | undefined;
let tamperTarget: ProvidedPostgres | undefined;
let sourceChroma: ChromaServer | undefined;
let restoredChroma: ChromaServer | undefined;
let standInDocker: string;
let pgInContainer: boolean;

/** Extra arguments and environment for scripts/backup|restore so the pg tools match the server. */
function pgTools(logName: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const env = {
    ...process.env,
    DOCKER: standInDocker,
    FAKE_DOCKER_LOG: path.join(work, logName),
    FAKE_CHROMA_PID: String(sourceChroma?.pid ?? 0),
  };
  return { args: pgInContainer ? ['--postgres-container', 'pg-tools'] : [], env };
}

/** The stand-in docker's log without the pg-tools exec lines. */
async function dockerCalls(logName: string): Promise<string[]> {
  const text = await readFile(path.join(work, logName), 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter((line) => line && !line.startsWith('exec -i pg-tools '));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-ops-backup-'));
  [source, sourceChroma] = await Promise.all([
    providePostgres(),
    startChromaServer({ dataDir: path.join(work, 'chroma-source') }),
  ]);
  await seed(source.url, sourceChroma);
  pgInContainer = await pgToolsInContainer(source.url);
  standInDocker = path.join(work, 'docker');
  await writeStandInDocker(standInDocker, pgInContainer);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([
    source?.stop(),
    target?.stop(),
    tamperTarget?.stop(),
    sourceChroma?.stop(),
    restoredChroma?.stop(),
  ]);
  await rm(work, { recursive: true, force: true });
});

describe('scripts/backup + scripts/restore', () => {
  let backupDir = '';
  const dest = () => path.join(work, 'backups');
  const textfileDir = () => path.join(work, 'textfile');

  it('backs up Postgres and a frozen Chroma copy with a manifest, retention and a textfile metric', async () => {
    // Two older backups already exist; --keep 2 must leave the new one and the newest old one.
    await mkdir(path.join(dest(), '20200101T000000Z'), { recursive: true });
    await mkdir(path.join(dest(), '20200102T000000Z'), { recursive: true });
    const before = Date.now() / 1000;
    const pg = pgTools('backup.log');
    const result = await runCommand(
      [
        backupScript,
        '--dest',
        dest(),
        '--keep',
        '2',
        '--database-url',
        source.url,
        '--chroma-data',
        path.join(work, 'chroma-source'),
        '--chroma-pid',
        String(sourceChroma?.pid),
        '--textfile-dir',
        textfileDir(),
        ...pg.args,
      ],
      { env: pg.env },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const entries = (await readdir(dest())).filter((e) => !e.startsWith('.')).sort();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toBe('20200102T000000Z');
    backupDir = path.join(dest(), entries[1] ?? '');

    const manifest = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8')) as {
      files: { path: string; sha256: string; bytes: number }[];
      chroma: { quiesce: string };
    };
    expect(manifest.files.map((f) => f.path)).toEqual(['postgres.dump', 'chroma.tar.gz']);
    expect(manifest.chroma.quiesce).toBe('signal');
    for (const file of manifest.files) {
      const bytes = await readFile(path.join(backupDir, file.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(bytes.length).toBe(file.bytes);
    }

    const metric = await readFile(path.join(textfileDir(), 'slipway_backup.prom'), 'utf8');
    const stamp = Number(/^slipway_backup_last_success_timestamp_seconds (\d+)$/m.exec(metric)?.[1]);
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before));
    // promtool exits non-zero on malformed exposition text (lint warnings only print).
    expect(() => execFileSync('promtool', ['check', 'metrics'], { input: metric })).not.toThrow();

    // The source Chroma was resumed: it still answers queries.
    const live = await observe(source.url, sourceChroma as ChromaServer);
    expect(live.top.length).toBe(3);
  });

  it('container mode: pg_dump via docker exec, Chroma paused around the copy and unpaused', async () => {
    const pg = pgTools('container-mode.log');
    const result = await runCommand(
      [
        backupScript,
        '--dest',
        path.join(work, 'backups-container'),
        '--postgres-container',
        'slipway-prod-postgres-1',
        '--database-url',
        source.url,
        '--chroma-container',
        'slipway-prod-chroma-1',
        '--chroma-data',
        path.join(work, 'chroma-source'),
      ],
      { env: pg.env },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = await dockerCalls('container-mode.log');
    expect(calls.map((c) => c.split(' ').slice(0, 4).join(' '))).toEqual([
      'exec -i slipway-prod-postgres-1 pg_dump',
      'exec -i slipway-prod-postgres-1 pg_restore',
      'pause slipway-prod-chroma-1',
      'unpause slipway-prod-chroma-1',
    ]);
    const [name] = (await readdir(path.join(work, 'backups-container'))).filter((e) => !e.startsWith('.'));
    const manifest = JSON.parse(
      await readFile(path.join(work, 'backups-container', name ?? '', 'manifest.json'), 'utf8'),
    ) as { chroma: { quiesce: string } };
    expect(manifest.chroma.quiesce).toBe('pause');
    // Chroma was resumed: it answers.
    expect((await observe(source.url, sourceChroma as ChromaServer)).top).toHaveLength(3);
  });

  it('restores into a fresh database and a fresh Chroma server with the same count and top result', async () => {
    const expected = await observe(source.url, sourceChroma as ChromaServer);
    expect(expected.documents).toBe(documents.length);
    expect(expected.top[0]).toMatch(/^doc-(0|8|16|24|32):0$/);

    // Wipe the originals.
    await sourceChroma?.stop();
    sourceChroma = undefined;
    await rm(path.join(work, 'chroma-source'), { recursive: true, force: true });
    await source.stop();

    target = await providePostgres();
    const restoredData = path.join(work, 'chroma-restored');
    const pg = pgTools('restore.log');
    const result = await runCommand(
      [
        restoreScript,
        '--from',
        backupDir,
        '--database-url',
        target.url,
        '--chroma-data',
        restoredData,
        ...pg.args,
      ],
      { env: pg.env },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    restoredChroma = await startChromaServer({ dataDir: restoredData });
    const restored = await observe(target.url, restoredChroma);
    expect(restored).toEqual(expected);
  }, 60_000);

  it('--force restores over existing data: Chroma stopped/started, old data moved aside, Postgres --clean', async () => {
    await restoredChroma?.stop();
    restoredChroma = undefined;
    const restoredData = path.join(work, 'chroma-restored');
    const pg = pgTools('restore-force.log');
    const result = await runCommand(
      [
        restoreScript,
        '--from',
        backupDir,
        '--force',
        '--database-url',
        (target as ProvidedPostgres).url,
        '--chroma-container',
        'slipway-prod-chroma-1',
        '--chroma-data',
        restoredData,
        ...pg.args,
      ],
      { env: pg.env },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await dockerCalls('restore-force.log')).toEqual([
      'stop slipway-prod-chroma-1',
      'start slipway-prod-chroma-1',
    ]);
    const aside = (await readdir(work)).filter((e) => e.startsWith('chroma-restored.pre-restore-'));
    expect(aside).toHaveLength(1);
    expect((await readdir(path.join(work, aside[0] ?? ''))).length).toBeGreaterThan(0);

    restoredChroma = await startChromaServer({ dataDir: restoredData });
    const restored = await observe((target as ProvidedPostgres).url, restoredChroma);
    expect(restored.documents).toBe(documents.length);
    expect(restored.top[0]).toMatch(/^doc-(0|8|16|24|32):0$/);
  }, 60_000);

  it('refuses a tampered backup before touching the target', async () => {
    tamperTarget = await providePostgres();
    const tampered = path.join(work, 'tampered');
    await runCommand(['cp', '-a', backupDir, tampered]);
    await appendFile(path.join(tampered, 'postgres.dump'), 'x');
    const result = await runCommand([
      restoreScript,
      '--from',
      tampered,
      '--database-url',
      tamperTarget.url,
      '--chroma-data',
      path.join(work, 'chroma-tampered'),
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('checksum mismatch for postgres.dump');
    const tables = await withClient(tamperTarget.url, (client) =>
      client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`),
    );
    expect(tables.rowCount).toBe(0);
    const verify = await runCommand([restoreScript, '--from', backupDir, '--verify-only']);
    expect(verify.code).toBe(0);
  });

  it('refuses a non-empty Chroma directory without --force, before restoring Postgres', async () => {
    const busy = path.join(work, 'chroma-busy');
    await mkdir(busy);
    await writeFile(path.join(busy, 'keep-me'), 'x');
    const result = await runCommand([
      restoreScript,
      '--from',
      backupDir,
      '--database-url',
      (tamperTarget as ProvidedPostgres).url,
      '--chroma-data',
      busy,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not empty');
    const tables = await withClient((tamperTarget as ProvidedPostgres).url, (client) =>
      client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`),
    );
    expect(tables.rowCount).toBe(0);
  });

  it('prunes query_audit rows older than the retention (ops/sql/prune-query-audit.sql)', async () => {
    const url = (target as ProvidedPostgres).url;
    const prune = await runCommand([
      'psql',
      url,
      '-X',
      '-v',
      'retention_days=90',
      '-f',
      path.join(root, 'ops/sql/prune-query-audit.sql'),
    ]);
    expect(prune.code).toBe(0);
    expect(prune.stdout).toMatch(/^\s*2\s*\|\s*90\s*$/m);
    const left = await withClient(url, (client) =>
      client.query<{ query: string }>('SELECT query FROM query_audit'),
    );
    expect(left.rows.map((r) => r.query)).toEqual(['recent']);
    // The cron form in docs/runbooks/backup-restore.md feeds the file on stdin (docker exec -i … psql -f -).
    const again = execFileSync('psql', [url, '-X', '-q', '-v', 'retention_days=1', '-f', '-'], {
      input: await readFile(path.join(root, 'ops/sql/prune-query-audit.sql')),
      encoding: 'utf8',
    });
    expect(again).toMatch(/^\s*1\s*\|\s*1\s*$/m);
    const missing = await runCommand([
      'psql',
      url,
      '-X',
      '-f',
      path.join(root, 'ops/sql/prune-query-audit.sql'),
    ]);
    expect(missing.code).not.toBe(0);
  });

  it('scripts are shellcheck-clean', async () => {
    const result = await runCommand(['shellcheck', backupScript, restoreScript]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
