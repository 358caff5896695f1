import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromaClientFor, startChromaServer, type ChromaServer } from '@slipway/harness';
import pg from 'pg';
import request from 'supertest';
import { reconcileCommand } from '../../src/cli/reconcile.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const markdown = `# Rollback

When a deploy fails its health gate, the **old colour keeps serving**. To roll back by hand, run the deploy
action with \`command: rollback\`. It starts the retained colour, waits for it to be healthy and switches nginx.

## Locks

A deploy holds a lock on the host. A lock older than its TTL is taken over with a warning.`;

describe('documents: ingest, dedup, read, delete — across Postgres and Chroma', () => {
  let chroma: ChromaServer;
  let svc: ServiceUnderTest;
  let db: pg.Client;

  beforeAll(async () => {
    // a Chroma server this test owns, so it can stop it mid-test
    chroma = await startChromaServer({ dataDir: mkdtempSync(join(tmpdir(), 'slipway-chroma-ingest-')) });
    svc = await startServiceUnderTest({ CHROMA_URL: chroma.url, MAX_DOCUMENTS_PER_REQUEST: '3' });
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
    const created = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'runbooks' });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
    await chroma?.stop();
  });

  const chromaCount = async () => {
    const { id } = await svc.runtime.deps.collections.get('runbooks');
    const collection = await chromaClientFor(chroma.url).getCollection({
      name: svc.runtime.deps.chroma.chromaName(id),
    });
    return collection.count();
  };
  const rowCounts = async () => {
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM chunks)::int AS chunks`,
    );
    return rows[0] as { documents: number; chunks: number };
  };

  it('ingests one markdown document: normalised text stored, chunks in both stores', async () => {
    const res = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({
        id: 'rollback',
        title: 'Rollback',
        text: markdown,
        format: 'markdown',
        metadata: { team: 'platform' },
      });
    expect(res.status).toBe(201);
    expect(res.body.documents).toEqual([{ id: 'rollback', chunks: expect.any(Number), duplicate: false }]);
    const chunks = res.body.documents[0].chunks as number;
    expect(chunks).toBeGreaterThanOrEqual(1);
    expect(await chromaCount()).toBe(chunks);

    const doc = await request(svc.app)
      .get('/v1/collections/runbooks/documents/rollback')
      .set(svc.auth('read'));
    expect(doc.status).toBe(200);
    expect(doc.body.text).toContain('old colour keeps serving');
    expect(doc.body.text).not.toContain('**');
    expect(doc.body.metadata).toEqual({ team: 'platform' });
    // every chunk row is a slice of the stored text
    const { rows } = await db.query(
      `SELECT text, start_offset, end_offset FROM chunks WHERE document_id = 'rollback'`,
    );
    for (const row of rows) expect(doc.body.text.slice(row.start_offset, row.end_offset)).toBe(row.text);
  });

  it('returns duplicate: true for the same content again and re-embeds nothing', async () => {
    const before = await chromaCount();
    const rowsBefore = await rowCounts();
    const res = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({
        documents: [
          { text: markdown, format: 'markdown' },
          { text: 'A brand new note about TLS renewal.' },
          { text: 'A brand new note about TLS renewal.' },
        ],
      });
    expect(res.status).toBe(201);
    expect(res.body.documents[0]).toMatchObject({ id: 'rollback', duplicate: true });
    expect(res.body.documents[1]).toMatchObject({ duplicate: false });
    expect(res.body.documents[2]).toMatchObject({ id: res.body.documents[1].id, duplicate: true });
    expect(await chromaCount()).toBe(before + res.body.documents[1].chunks);
    expect((await rowCounts()).documents).toBe(rowsBefore.documents + 1);
  });

  it('refuses a different text under an existing id with 409 and changes nothing', async () => {
    const before = await rowCounts();
    const res = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'rollback', text: 'Something else entirely.' });
    expect(res.status).toBe(409);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses known content under a new explicit id with 409 naming the stored id (ADR 0006)', async () => {
    const before = await rowCounts();
    const res = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'rollback-copy', text: markdown, format: 'markdown' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('already stored as "rollback"');
    const batch = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({
        documents: [
          { id: 'twin-a', text: 'Twins share one text.' },
          { id: 'twin-b', text: 'Twins share one text.' },
        ],
      });
    expect(batch.status).toBe(409);
    expect(batch.body.detail).toContain('already stored as "twin-a"');
    expect(await rowCounts()).toEqual(before);
  });

  it('validates documents: 422 with field errors, 404 for an unknown collection', async () => {
    const bad = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ documents: [{ text: '' }, { text: 'ok', id: 'bad id!' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['documents.0.text', 'documents.1.id']),
    );
    const missing = await request(svc.app)
      .post('/v1/collections/nope/documents')
      .set(svc.auth('ingest'))
      .send({ text: 'x' });
    expect(missing.status).toBe(404);
    const tooMany = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ documents: [{ text: 'one' }, { text: 'two' }, { text: 'three' }, { text: 'four' }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([{ path: 'documents', message: 'at most 3 documents per request' }]);
    const readOnly = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('read'))
      .send({ text: 'x' });
    expect(readOnly.status).toBe(403);
  });

  it('answers 503 and stores nothing when Chroma is down mid-ingest; works again after restart', async () => {
    const before = await rowCounts();
    await chroma.stop();
    const res = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'during-outage', text: 'Written while the vector store was down.' });
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('urn:slipway:problem:dependency-unavailable');
    expect(await rowCounts()).toEqual(before);
    const { rowCount } = await db.query(`SELECT 1 FROM documents WHERE id = 'during-outage'`);
    expect(rowCount).toBe(0);

    await chroma.restart();
    const again = await request(svc.app)
      .post('/v1/collections/runbooks/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'during-outage', text: 'Written while the vector store was down.' });
    expect(again.status).toBe(201);
    expect((await rowCounts()).chunks).toBe(await chromaCount());
  });

  it('reconcile reports zero drift after the outage, then finds and repairs induced drift', async () => {
    const env = {
      DATABASE_URL: svc.postgres.url,
      CHROMA_URL: chroma.url,
      CHROMA_COLLECTION_PREFIX: svc.chroma.collectionPrefix,
      LOG_LEVEL: 'silent',
    };
    const lines: string[] = [];
    const out = {
      log: (s: string) => lines.push(s),
      error: (s: string) => lines.push(s),
    } as unknown as Console;
    // Vectors a write sent to Chroma before it failed are swept in the background once Chroma is back.
    await svc.runtime.deps.documents.sweeper.settled();
    expect(await reconcileCommand(['--json'], env, out)).toBe(0);
    expect(JSON.parse(lines.pop() as string)).toMatchObject({ drift: 0 });

    // induce drift: drop one real vector, add one orphan
    const { id } = await svc.runtime.deps.collections.get('runbooks');
    const handle = await chromaClientFor(chroma.url).getCollection({
      name: svc.runtime.deps.chroma.chromaName(id),
    });
    await handle.delete({ ids: ['during-outage#0'] });
    await handle.add({
      ids: ['ghost#0'],
      embeddings: [new Array(384).fill(0).map((_, i) => (i === 0 ? 1 : 0))],
    });

    expect(await reconcileCommand(['--json', '--collection', 'runbooks'], env, out)).toBe(1);
    const report = JSON.parse(lines.pop() as string);
    expect(report.collections[0]).toMatchObject({
      missingVectors: ['during-outage#0'],
      orphanVectors: ['ghost#0'],
    });

    expect(await reconcileCommand(['--fix', '--json'], env, out)).toBe(0);
    expect(await reconcileCommand(['--json'], env, out)).toBe(0);
    expect(JSON.parse(lines.pop() as string)).toMatchObject({ drift: 0 });
    expect((await rowCounts()).chunks).toBe(await chromaCount());
  });

  it('deletes a document from both stores', async () => {
    const before = await chromaCount();
    const { rows } = await db.query(`SELECT chunk_count FROM documents WHERE id = 'rollback'`);
    const res = await request(svc.app)
      .delete('/v1/collections/runbooks/documents/rollback')
      .set(svc.auth('ingest'));
    expect(res.status).toBe(204);
    expect(await chromaCount()).toBe(before - rows[0].chunk_count);
    const gone = await request(svc.app)
      .get('/v1/collections/runbooks/documents/rollback')
      .set(svc.auth('read'));
    expect(gone.status).toBe(404);
  });
});
