import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { provideRedis, type ProvidedRedis } from '@slipway/harness';
import request from 'supertest';
import {
  startFakeOpenAIServer,
  type CapturedRequest,
  type ChatRequestBody,
  type FakeOpenAIServer,
} from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const reply = 'Switch nginx to the retained colour [1].';

/** What the OpenAI-protocol server reported as usage for these requests (its rule: ≈ 4 characters a token). */
function reportedTokens(requests: CapturedRequest[]): number {
  const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
  let total = 0;
  for (const r of requests) {
    if (r.route === 'embeddings') total += tokens((r.body as { input: string[] }).input.join(' '));
    if (r.route === 'chat') {
      const body = r.body as ChatRequestBody;
      total += tokens((body.messages ?? []).map((m) => m.content).join(' ')) + tokens(reply);
    }
  }
  return total;
}

describe('key budgets charge model tokens (LLM answers and OpenAI-compatible embeddings)', () => {
  let model: FakeOpenAIServer;
  let redis: ProvidedRedis;
  let svc: ServiceUnderTest;

  beforeAll(async () => {
    model = await startFakeOpenAIServer({ dimensions: 32, reply: () => reply });
    redis = await provideRedis();
    svc = await startServiceUnderTest({
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: model.url,
      EMBEDDINGS_DIMENSIONS: '32',
      LLM_URL: model.url,
      LLM_MODEL: 'fake-model',
    });
    expect(
      (await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'kb' })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await svc?.stop();
    await redis?.stop();
    await model?.close();
  });

  const keyWithBudget = async (scope: 'read' | 'ingest', budget: Record<string, unknown>) => {
    const { key, record } = await svc.runtime.deps.keys.create(`tokens-${scope}`, [scope]);
    const put = await request(svc.app)
      .put(`/v1/keys/${record.id}/budget`)
      .set(svc.auth('admin'))
      .send(budget);
    expect(put.status).toBe(200);
    return { id: record.id, auth: { Authorization: `Bearer ${key}` } };
  };

  /** The key's usage once it reaches `tokens` (charged after the model answered), or as it is at the deadline. */
  const usageReaching = async (auth: { Authorization: string }, tokens: number) => {
    const deadline = Date.now() + 10_000;
    let usage = (await request(svc.app).get('/v1/keys/me').set(auth)).body.usage;
    while (usage.tokens < tokens && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      usage = (await request(svc.app).get('/v1/keys/me').set(auth)).body.usage;
    }
    return usage;
  };

  it('charges an ingest the embedding tokens the model reported', async () => {
    const { auth } = await keyWithBudget('ingest', { period: 'day', tokens: 1_000_000 });
    const from = model.requests.length;
    const ingest = await request(svc.app)
      .post('/v1/collections/kb/documents')
      .set(auth)
      .send({
        documents: [
          { id: 'rollback', text: 'Roll back a failed deploy by switching nginx to the retained colour.' },
          { id: 'backup', text: 'Backups dump Postgres nightly and a weekly test restores them.' },
        ],
      });
    expect(ingest.status).toBe(201);
    const spent = model.requests.slice(from);
    expect(spent.some((r) => r.route === 'embeddings')).toBe(true);
    const expected = reportedTokens(spent);
    expect(await usageReaching(auth, expected)).toEqual({ requests: 1, tokens: expected });
  });

  it('charges an answer its query embedding and the LLM tokens, JSON and streamed; refuses once they are used up', async () => {
    const { id, auth } = await keyWithBudget('read', { period: 'day', requests: 100, tokens: 1_000_000 });
    const from = model.requests.length;
    const answer = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set(auth)
      .send({ question: 'How do I roll back?' });
    expect(answer.status).toBe(200);
    expect(answer.body.mode).toBe('llm');
    const afterJson = reportedTokens(model.requests.slice(from));
    expect(
      model.requests
        .slice(from)
        .map((r) => r.route)
        .sort(),
    ).toEqual(['chat', 'embeddings']);
    expect(await usageReaching(auth, afterJson)).toEqual({ requests: 1, tokens: afterJson });

    const streamed = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set(auth)
      .set('Accept', 'text/event-stream')
      .send({ question: 'How are backups tested?' });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('event: citations');
    const afterStream = reportedTokens(model.requests.slice(from));
    expect(afterStream).toBeGreaterThan(afterJson);
    expect(await usageReaching(auth, afterStream)).toEqual({ requests: 2, tokens: afterStream });

    // a tokens limit at what is used: the next request is refused before any model is asked
    const limited = await request(svc.app)
      .put(`/v1/keys/${id}/budget`)
      .set(svc.auth('admin'))
      .send({ period: 'day', requests: 100, tokens: afterStream });
    expect(limited.body.usage).toEqual({ requests: 2, tokens: afterStream });
    const before = model.requests.length;
    const refused = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set(auth)
      .send({ question: 'Anything else?' });
    expect(refused.status).toBe(402);
    expect(refused.body.detail).toContain(`${afterStream} of ${afterStream} tokens`);
    expect(model.requests.length).toBe(before);
  });
});
