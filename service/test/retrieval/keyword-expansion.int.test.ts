import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

// RM3 on the keyword side (ADR 0014) through the real search path: HTTP, variant resolution, the in-process
// index built from Postgres, hydration. `rollback` occurs in one document only; the two documents that share
// its other words (colour, nginx, switch) are found only through the expansion.
const corpus = [
  {
    id: 'rollback',
    title: 'Rollback',
    text: 'A rollback switches nginx back to the previous colour. The rollback keeps the old colour warm: a rollback is quick.',
  },
  {
    id: 'switch',
    title: 'Colour switch',
    text: 'The deploy switches nginx to the idle colour once the idle colour is healthy.',
  },
  {
    id: 'nginx',
    title: 'Nginx',
    text: 'Nginx proxies to the live colour; a switch rewrites the upstream of nginx.',
  },
  { id: 'backups', title: 'Backups', text: 'Nightly backups dump Postgres and copy the Chroma directory.' },
].map((document) => ({ ...document, metadata: { team: 'ops' } }));

interface Result {
  documentId: string;
  score: number;
}

describe('RM3 keyword expansion through the search path', () => {
  let svc: ServiceUnderTest;

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      RETRIEVAL_VARIANTS: JSON.stringify({
        rm3: { keywordExpansion: {} },
        narrow: { keywordExpansion: { fbDocs: 1, fbTerms: 1 } },
      }),
    });
    await svc.seedCollection('ops', corpus);
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
  });

  const search = (variant: string, body: Record<string, unknown>) =>
    request(svc.app)
      .post('/v1/collections/ops/search')
      .set({ ...svc.auth('admin'), 'X-Slipway-Variant': variant })
      .send({ topK: 10, mode: 'keyword', ...body });

  it('a variant with RM3 finds documents the query words miss; control (plain BM25) does not', async () => {
    const control = await search('control', { query: 'rollback' });
    const rm3 = await search('rm3', { query: 'rollback' });
    expect(control.status).toBe(200);
    expect(rm3.status).toBe(200);
    expect(rm3.body.variant).toBe('rm3');
    expect((control.body.results as Result[]).map((r) => r.documentId)).toEqual(['rollback']);
    const expanded = (rm3.body.results as Result[]).map((r) => r.documentId);
    expect(expanded[0]).toBe('rollback');
    expect(new Set(expanded)).toEqual(new Set(['rollback', 'switch', 'nginx']));
    // weighted scores: the original query has weight α = 0.5, so the top score is below plain BM25's
    expect((rm3.body.results as Result[])[0]!.score).toBeLessThan(
      (control.body.results as Result[])[0]!.score,
    );
    // and hybrid, whose keyword list it is, changes with it
    const hybrid = async (variant: string) =>
      ((await search(variant, { query: 'rollback', mode: 'hybrid' })).body.results as Result[]).map((r) => [
        r.documentId,
        r.score,
      ]);
    expect(await hybrid('rm3')).not.toEqual(await hybrid('control'));
  });

  it("a variant's own parameters apply: one feedback term that is the query word itself adds nothing", async () => {
    // fbDocs 1, fbTerms 1: the heaviest lexeme of the rollback document is `rollback` (tf 3; colour 2)
    const narrow = await search('narrow', { query: 'rollback' });
    expect(narrow.status).toBe(200);
    expect((narrow.body.results as Result[]).map((r) => r.documentId)).toEqual(['rollback']);
  });

  it('a filtered search runs on the SQL path: plain BM25 under the RM3 variant too', async () => {
    const filtered = await search('rm3', { query: 'rollback', filter: { team: 'ops' } });
    expect(filtered.status).toBe(200);
    expect(filtered.body.degraded).toBeUndefined();
    expect((filtered.body.results as Result[]).map((r) => r.documentId)).toEqual(['rollback']);
  });

  it('an unfiltered search the index cannot serve yet is plain BM25, and counted', async () => {
    const indexes = svc.runtime.deps.keywordIndexes!;
    await svc.seedCollection('later', corpus);
    // an ingest moves the version: the next search takes the SQL path while the index is rebuilt
    const ingest = await request(svc.app)
      .post('/v1/collections/later/documents')
      .set(svc.auth('ingest'))
      .send({ documents: [{ id: 'extra', text: 'Alertmanager routes pages to the on-call engineer.' }] });
    expect(ingest.status).toBe(201);
    const stale = await request(svc.app)
      .post('/v1/collections/later/search')
      .set({ ...svc.auth('admin'), 'X-Slipway-Variant': 'rm3' })
      .send({ query: 'rollback', mode: 'keyword', topK: 10 });
    expect(stale.status).toBe(200);
    expect((stale.body.results as Result[]).map((r) => r.documentId)).toEqual(['rollback']);
    const metrics = await request(svc.app).get('/metrics');
    expect(metrics.text).toMatch(/slipway_retrieval_degraded_total\{missing="keyword-expansion"\} 1\b/);
    await indexes.idle();
  });
});
