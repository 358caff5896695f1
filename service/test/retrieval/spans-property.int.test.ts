import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const vocabulary = [
  'deploy',
  'rollback',
  'nginx',
  'colour',
  'backup',
  'restore',
  'postgres',
  'chroma',
  'cache',
  'redis',
  'certificate',
  'renewal',
  'alert',
  'latency',
  'budget',
  'queue',
  'worker',
  'café',
  'naïve',
  'über',
];

const word = fc.constantFrom(...vocabulary);
const sentence = fc
  .tuple(fc.array(word, { minLength: 2, maxLength: 9 }), fc.constantFrom('.', '!', '?', ';', ''))
  .map(([words, end]) => `${words.join(' ')}${end}`);
const paragraph = fc.array(sentence, { minLength: 1, maxLength: 5 }).map((s) => s.join(' '));
const document = fc.record({
  format: fc.constantFrom('text', 'markdown'),
  title: fc.option(word, { nil: undefined }),
  paragraphs: fc.array(paragraph, { minLength: 1, maxLength: 5 }),
  separator: fc.constantFrom('\n\n', '\n', '  \n\n  '),
});

describe('property: every search result and citation is the stored text sliced at its offsets', () => {
  let svc: ServiceUnderTest;
  const stored = new Map<string, string>();

  beforeAll(async () => {
    // small chunks so documents have several, overlapping ones
    svc = await startServiceUnderTest({ CHUNK_SIZE: '120', CHUNK_OVERLAP: '40' });
    const created = await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'prop' });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const storedText = async (id: string): Promise<string> => {
    const known = stored.get(id);
    if (known !== undefined) return known;
    const res = await request(svc.app).get(`/v1/collections/prop/documents/${id}`).set(svc.auth('read'));
    expect(res.status).toBe(200);
    stored.set(id, res.body.text);
    return res.body.text as string;
  };

  it('holds for random documents, queries, modes and MMR (≥ 50 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(document, { minLength: 1, maxLength: 1 }),
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('keyword', 'vector', 'hybrid'),
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        async (documents, queryWords, mode, topK, lambda) => {
          const ingest = await request(svc.app)
            .post('/v1/collections/prop/documents')
            .set(svc.auth('ingest'))
            .send({
              documents: documents.map((d) => ({
                format: d.format,
                text:
                  d.format === 'markdown'
                    ? `# ${d.title ?? 'Notes'}\n\n${d.paragraphs.map((p) => `**${p}**`).join(d.separator)}`
                    : d.paragraphs.join(d.separator),
              })),
            });
          expect(ingest.status).toBe(201);
          const query = queryWords.join(' ');

          const search = await request(svc.app)
            .post('/v1/collections/prop/search')
            .set(svc.auth('read'))
            .send({ query, mode, topK, ...(lambda === undefined ? {} : { mmr: { lambda } }) });
          expect(search.status).toBe(200);
          expect(search.body.results.length).toBeLessThanOrEqual(topK);
          for (const r of search.body.results) {
            expect((await storedText(r.documentId)).slice(r.span.start, r.span.end)).toBe(r.text);
          }

          const answer = await request(svc.app)
            .post('/v1/collections/prop/answer')
            .set(svc.auth('read'))
            .send({ question: query, mode, topK: Math.min(topK, 5) });
          expect(answer.status).toBe(200);
          expect(answer.body.mode).toBe('extractive');
          for (const c of answer.body.citations) {
            expect((await storedText(c.documentId)).slice(c.start, c.end)).toBe(c.quote);
            expect(answer.body.answer).toContain(c.quote);
          }
        },
      ),
      { numRuns: 50 },
    );
  }, 180_000);
});
