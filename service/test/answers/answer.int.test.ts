import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { NOTHING_FOUND_ANSWER } from '../../src/answers/answer-extractively.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';
import type { Citation } from '../../src/llm/cite-passages.js';

const documents = [
  {
    id: 'rollback',
    title: 'Rollback',
    text: 'When a deploy fails its health gate, the old colour keeps serving. To roll back by hand, run the deploy action with the rollback command. It starts the retained colour and switches nginx.',
  },
  {
    id: 'backups',
    title: 'Backups',
    text: 'Nightly backups dump Postgres with pg_dump. A restore test runs every week and loads the newest backup into fresh stores.',
  },
  {
    id: 'tls',
    title: 'TLS',
    text: 'Certbot renews the TLS certificates through the webroot. nginx reloads after a renewal.',
  },
];
const reply =
  'Run the deploy action with the rollback command [1]. The old colour keeps serving meanwhile [1].';

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
  /** ms since the request was sent */
  at: number;
}

describe('POST /v1/collections/:name/answer with an OpenAI-protocol model', () => {
  let llm: FakeOpenAIServer;
  let svc: ServiceUnderTest;
  let baseUrl: string;

  const ask = (body: Record<string, unknown>, collection = 'kb') =>
    request(svc.app).post(`/v1/collections/${collection}/answer`).set(svc.auth('read')).send(body);

  const expectCitationsSliceStoredText = async (citations: Citation[]) => {
    for (const c of citations) {
      const doc = await request(svc.app)
        .get(`/v1/collections/kb/documents/${c.documentId}`)
        .set(svc.auth('read'));
      expect(doc.body.text.slice(c.start, c.end)).toBe(c.quote);
    }
  };

  const metric = async (pattern: RegExp) =>
    (await svc.runtime.deps.metrics.registry.metrics()).match(pattern);

  /** Reads a server-sent event stream over a real socket, event by event, as a browser would. */
  async function streamAnswer(body: Record<string, unknown>, collection = 'kb') {
    const sent = performance.now();
    const res = await fetch(`${baseUrl}/v1/collections/${collection}/answer`, {
      method: 'POST',
      headers: { ...svc.auth('read'), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
    });
    const events: StreamEvent[] = [];
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
      return { res, events, body: await res.json() };
    }
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
        events.push({
          event,
          data: JSON.parse(data) as Record<string, unknown>,
          at: performance.now() - sent,
        });
        boundary = buffer.indexOf('\n\n');
      }
    }
    expect(buffer).toBe('');
    return { res, events, body: undefined };
  }

  beforeAll(async () => {
    llm = await startFakeOpenAIServer({ reply: () => reply, chunkDelayMs: 15 });
    svc = await startServiceUnderTest({
      LLM_URL: llm.url,
      LLM_API_KEY: 'sk-test-answer',
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '600',
      LLM_FIRST_TOKEN_TIMEOUT_MS: '600',
      LLM_MAX_RETRIES: '1',
      LLM_BREAKER_FAILURE_THRESHOLD: '2',
      LLM_BREAKER_COOLDOWN_MS: '1500',
    });
    await svc.seedCollection('kb', documents);
    baseUrl = await svc.listen();
  });
  afterAll(async () => {
    await svc?.stop();
    await llm?.close();
  });

  it('answers with the model, citing exact spans of the stored documents', async () => {
    const before = llm.count('chat');
    const res = await ask({ question: 'How do I roll back a failed deploy?' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ answer: reply, mode: 'llm', cached: false });
    expect(res.body.degraded).toBeUndefined();
    expect(res.body.citations.length).toBeGreaterThan(0);
    expect(res.body.citations[0].documentId).toBe('rollback');
    await expectCitationsSliceStoredText(res.body.citations);
    expect(llm.count('chat')).toBe(before + 1);
    const prompt = JSON.stringify(llm.requests.at(-1)!.body);
    expect(prompt).toContain('old colour keeps serving');
    expect(llm.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-answer');
  });

  it('serves the same question from the response cache (cached: true) until an ingest', async () => {
    const before = llm.count('chat');
    const question = { question: 'How do I roll back a failed deploy?' };
    const again = await ask(question);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ answer: reply, mode: 'llm', cached: true });
    expect(llm.count('chat')).toBe(before);
    expect(
      await metric(/slipway_answers_total\{mode="llm",cached="true",variant="control"\} 1/),
    ).not.toBeNull();

    const ingest = await request(svc.app)
      .post('/v1/collections/kb/documents')
      .set(svc.auth('ingest'))
      .send({ id: 'locks', text: 'A deploy holds a lock on the host; stale locks are taken over.' });
    expect(ingest.status).toBe(201);
    const fresh = await ask(question);
    expect(fresh.body).toMatchObject({ mode: 'llm', cached: false });
    expect(llm.count('chat')).toBe(before + 1);
  });

  it('says plainly when nothing was found, without asking the model', async () => {
    const before = llm.count('chat');
    const res = await ask({ question: 'zyxwvut qwertyuiop', mode: 'keyword' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      answer: NOTHING_FOUND_ANSWER,
      mode: 'extractive',
      citations: [],
      cached: false,
      variant: 'control',
    });
    expect(llm.count('chat')).toBe(before);
  });

  it('streams tokens event by event over a real socket, then a final citations event', async () => {
    const { res, events } = await streamAnswer({
      question: 'What happens to the old colour when a deploy fails?',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    expect(events.at(-1)!.event).toBe('citations');
    expect(events.slice(0, -1).every((e) => e.event === 'token')).toBe(true);
    expect(tokens.map((t) => t.data.text).join('')).toBe(reply);
    // tokens arrive as the model produces them, not all at the end
    expect(events.at(-1)!.at - tokens[0]!.at).toBeGreaterThan(50);
    const final = events.at(-1)!.data as { citations: Citation[]; mode: string; cached: boolean };
    expect(final).toMatchObject({ mode: 'llm', cached: false });
    expect(final.citations.length).toBeGreaterThan(0);
    await expectCitationsSliceStoredText(final.citations);

    // the complete streamed answer is now cached: one token, then citations, cached: true
    const cached = await streamAnswer({ question: 'What happens to the old colour when a deploy fails?' });
    expect(cached.events.map((e) => e.event)).toEqual(['token', 'citations']);
    expect(cached.events[0]!.data.text).toBe(reply);
    expect(cached.events[1]!.data).toMatchObject({ cached: true, mode: 'llm' });
  });

  it('ends an interrupted stream with an error event and the citations of what was received', async () => {
    // the reply's first citation is its ninth piece: cut after it
    llm.script('chat', { kind: 'truncate', afterChunks: 11 });
    const { events } = await streamAnswer({ question: 'How does the rollback command work?' });
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['token', 'token', 'token']);
    expect(names.slice(-2)).toEqual(['error', 'citations']);
    expect(events.at(-1)!.data).toMatchObject({ mode: 'llm', degraded: ['llm_stream_interrupted'] });
  });

  it('answers problems before a stream starts as problem+json (unknown collection → 404)', async () => {
    const { res, events, body } = await streamAnswer({ question: 'anything?' }, 'nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(events).toEqual([]);
    expect(body).toMatchObject({ status: 404 });
    const invalid = await ask({ question: '', topK: 0 });
    expect(invalid.status).toBe(422);
  });

  it('slow or failing model: timeout, retry, breaker opens, extractive answers; recovers after cool-down', async () => {
    const chat = () => llm.count('chat');
    // a success first: the interrupted stream above counted as a failure, and failures open on consecutive ones
    expect((await ask({ question: 'Which command rolls back?' })).body.mode).toBe('llm');
    // 1. slow: both attempts (1 try + 1 retry) exceed LLM_TIMEOUT_MS
    llm.script('chat', { kind: 'delay', ms: 2_000 }, 2);
    let before = chat();
    const slow = await ask({ question: 'How are backups restored?' });
    expect(slow.status).toBe(200);
    expect(slow.body).toMatchObject({ mode: 'extractive', cached: false, degraded: ['llm_primary'] });
    expect(slow.body.citations.length).toBeGreaterThan(0);
    await expectCitationsSliceStoredText(slow.body.citations);
    expect(chat()).toBe(before + 2);
    expect(
      await metric(/slipway_llm_errors_total\{endpoint="primary",reason="timeout"\} [1-9]/),
    ).not.toBeNull();

    // 2. failing: 500 twice; the second consecutive failed answer opens the breaker
    llm.script('chat', { kind: 'fail', status: 500 }, 2);
    before = chat();
    const failing = await ask({ question: 'When does certbot renew certificates?' });
    expect(failing.body).toMatchObject({ mode: 'extractive', degraded: ['llm_primary'] });
    expect(chat()).toBe(before + 2);
    expect(await metric(/slipway_llm_breaker_state\{endpoint="primary"\} 2/)).not.toBeNull();

    // 3. breaker open: the model is not asked at all, streams too
    before = chat();
    const open = await ask({ question: 'What does the restore test load?' });
    expect(open.body).toMatchObject({ mode: 'extractive', degraded: ['llm_primary'] });
    const openStream = await streamAnswer({ question: 'What does nginx do after a renewal?' });
    expect(openStream.events.at(-1)).toMatchObject({
      event: 'citations',
      data: { mode: 'extractive', degraded: ['llm_primary'] },
    });
    expect(chat()).toBe(before);
    expect(
      await metric(/slipway_llm_errors_total\{endpoint="primary",reason="breaker_open"\} 2/),
    ).not.toBeNull();

    // degraded answers are not cached
    const notCached = await ask({ question: 'How are backups restored?' });
    expect(notCached.body.cached).toBe(false);

    // 4. after the cool-down a probe goes through and closes the breaker
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const recovered = await ask({ question: 'How are backups restored?' });
    expect(recovered.body).toMatchObject({ mode: 'llm', cached: false });
    expect(recovered.body.degraded).toBeUndefined();
    expect(await metric(/slipway_llm_breaker_state\{endpoint="primary"\} 0/)).not.toBeNull();
  });
});
