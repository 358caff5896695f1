import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

const CAP = 4;
/** Every request must settle within this: a stream left hanging fails the test. */
const SETTLE_MS = 30_000;
// ~24 pieces, 120 ms apart: each stream lasts about 3 s, so the streams of one burst overlap
// (cited first: a model's tokens are held until its first valid citation)
const reply = `Deploys switch colours [1]. ${Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ')}.`;

interface Outcome {
  status: number;
  retryAfter: string | null;
  contentType: string;
  events: string[];
  problemType?: string;
  /** ms from the burst's start until the response ended */
  endedAt: number;
}

describe('MAX_CONCURRENT_STREAMS caps the SSE answers of a process', () => {
  let llm: FakeOpenAIServer;
  let svc: ServiceUnderTest;
  let baseUrl: string;

  beforeAll(async () => {
    llm = await startFakeOpenAIServer({ reply: () => reply, chunkDelayMs: 120 });
    svc = await startServiceUnderTest({
      MAX_CONCURRENT_STREAMS: String(CAP),
      LLM_URL: llm.url,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '20000',
      LLM_FIRST_TOKEN_TIMEOUT_MS: '10000',
    });
    await svc.seedCollection('kb', [
      {
        id: 'deploys',
        text: 'A deploy starts the new colour, waits for its health gate, then switches.',
      },
    ]);
    baseUrl = await svc.listen();
  });
  afterAll(async () => {
    await svc?.stop();
    await llm?.close();
  });

  /** A streamed answer read to its end (or its refusal), bounded by SETTLE_MS. */
  async function streamAnswer(question: string, started: number, signal?: AbortSignal): Promise<Outcome> {
    const res = await fetch(`${baseUrl}/v1/collections/kb/answer`, {
      method: 'POST',
      headers: { ...svc.auth('read'), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ question }),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(SETTLE_MS)])
        : AbortSignal.timeout(SETTLE_MS),
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      contentType,
      events: [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1] as string),
      problemType: contentType.includes('problem+json')
        ? (JSON.parse(text) as { type: string }).type
        : undefined,
      endedAt: performance.now() - started,
    };
  }

  it(`under 2 × the cap of concurrent streams, exactly the cap stream; the rest are refused at once; none hangs`, async () => {
    const started = performance.now();
    // distinct questions: a cached answer would not reach the model
    const outcomes = await Promise.all(
      Array.from({ length: 2 * CAP }, (_, i) => streamAnswer(`How does a deploy switch? (${i})`, started)),
    );
    const streamed = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status !== 200);
    expect(streamed).toHaveLength(CAP);
    for (const o of streamed) {
      expect(o.contentType).toMatch(/^text\/event-stream/);
      expect(o.events.filter((e) => e === 'token').length).toBeGreaterThan(10); // the model's tokens
      expect(o.events.at(-1)).toBe('citations'); // complete
    }
    expect(refused).toHaveLength(CAP);
    for (const o of refused) {
      expect(o.status).toBe(503);
      expect(o.contentType).toMatch(/^application\/problem\+json/);
      expect(o.problemType).toBe('urn:slipway:problem:streams-at-capacity');
      expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    const metrics = await svc.runtime.deps.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`^slipway_answer_streams_refused_total ${CAP}$`, 'm'));
    expect(metrics).toMatch(/^slipway_answer_streams_active 0$/m); // every slot back
    // refused before any admitted stream had finished: nobody waited in a queue
    const firstStreamEnd = Math.min(...streamed.map((o) => o.endedAt));
    expect(Math.max(...refused.map((o) => o.endedAt))).toBeLessThan(firstStreamEnd);

    // finished streams gave their slots back: a whole cap's worth streams again
    const again = await Promise.all(
      Array.from({ length: CAP }, (_, i) => streamAnswer(`How does a deploy switch? (again ${i})`, started)),
    );
    expect(again.map((o) => o.status)).toEqual(Array(CAP).fill(200));
  }, 90_000);

  it('a client that leaves mid-stream frees its slot', async () => {
    // these streams stall after their citation: only the client leaving ends them before LLM_TIMEOUT_MS (20 s)
    llm.script('chat', { kind: 'stall', afterChunks: 6 }, CAP);
    const leaving = Array.from({ length: CAP }, () => new AbortController());
    const started = performance.now();
    const responses = await Promise.all(
      leaving.map(async (controller, i) => {
        const res = await fetch(`${baseUrl}/v1/collections/kb/answer`, {
          method: 'POST',
          headers: { ...svc.auth('read'), 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ question: `Who leaves early? (${i})` }),
          signal: controller.signal,
        });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let seen = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += decoder.decode(value);
          if (seen.includes('event: token')) break; // the model is streaming
        }
        expect(seen).toContain('event: token');
        return reader;
      }),
    );
    // every slot is taken now
    const full = await streamAnswer('Is there room? (full)', started);
    expect(full.status).toBe(503);

    // a key with a budget refused for capacity gets its unit back: nothing was done for it
    const { key, record } = await svc.runtime.deps.keys.create('budgeted-streamer', ['read']);
    const budgeted = { Authorization: `Bearer ${key}` };
    await request(svc.app)
      .put(`/v1/keys/${record.id}/budget`)
      .set(svc.auth('admin'))
      .send({ period: 'day', requests: 1 })
      .expect(200);
    for (let i = 0; i < 2; i++) {
      const refused = await request(svc.app)
        .post('/v1/collections/kb/answer')
        .set(budgeted)
        .set('Accept', 'text/event-stream')
        .send({ question: `Room for a budgeted key? (${i})` });
      expect(refused.status).toBe(503); // not 402: the first refusal gave its unit back
      expect(refused.body.type).toBe('urn:slipway:problem:streams-at-capacity');
      const refundedBy = Date.now() + 5000;
      let usage = (await request(svc.app).get('/v1/keys/me').set(budgeted)).body.usage;
      while (usage.requests !== 0 && Date.now() < refundedBy) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        usage = (await request(svc.app).get('/v1/keys/me').set(budgeted)).body.usage;
      }
      expect(usage).toEqual({ requests: 0, tokens: 0 });
    }

    for (const controller of leaving) controller.abort();
    await Promise.allSettled(responses.map((reader) => reader.cancel()));

    // the slots come back as the server sees the connections close (polled, no fixed sleep)
    const deadline = Date.now() + 8_000;
    let outcome = await streamAnswer('Is there room? (0)', started);
    for (let i = 1; outcome.status !== 200 && Date.now() < deadline; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      outcome = await streamAnswer(`Is there room? (${i})`, started);
    }
    expect(outcome.status).toBe(200);
    expect(outcome.events.at(-1)).toBe('citations');
    // and all of them: a cap's worth stream at once again
    const all = await Promise.all(
      Array.from({ length: CAP }, (_, i) => streamAnswer(`Room for all? (${i})`, started)),
    );
    expect(all.map((o) => o.status)).toEqual(Array(CAP).fill(200));
  }, 90_000);

  it('does not cap JSON answers', async () => {
    const res = await request(svc.app)
      .post('/v1/collections/kb/answer')
      .set(svc.auth('read'))
      .send({ question: 'How does a deploy switch? (json)' });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('llm');
  });
});
