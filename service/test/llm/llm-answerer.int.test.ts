import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { AnswerPassage } from '../../src/llm/cite-passages.js';
import {
  LlmAnswerer,
  createLlmEndpoint,
  type AnswerStreamEvent,
  type ExtractiveAnswerer,
  type LlmEndpointOptions,
} from '../../src/llm/llm-answerer.js';
import { ModelError } from '../../src/errors/model-error.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';

const doc =
  'The sky looks blue because of Rayleigh scattering. Short wavelengths scatter more than long ones. ' +
  'Sunsets look red because light crosses more air.';
const passages: AnswerPassage[] = [
  { documentId: 'sky', chunkId: 'sky-0', text: doc.slice(0, 97), start: 0, end: 97, title: 'Sky' },
  { documentId: 'sky', chunkId: 'sky-1', text: doc.slice(98), start: 98, end: doc.length },
];
const reply =
  'Rayleigh scattering makes the sky look blue [1]. Sunsets look red because light crosses more air [2].';

/** Stand-in for the real extractive answerer (written elsewhere): first sentence of the first passage. */
const extractive: ExtractiveAnswerer = (_question, ps) => {
  const first = ps[0];
  if (!first) return { answer: 'No relevant passages were found.', citations: [] };
  const end = first.text.indexOf('.') + 1;
  return {
    answer: first.text.slice(0, end),
    citations: [
      {
        documentId: first.documentId,
        chunkId: first.chunkId,
        start: first.start,
        end: first.start + end,
        quote: first.text.slice(0, end),
        marker: 1,
      },
    ],
  };
};

const primaryKey = 'sk-primary-secret-111111';
const fallbackKey = 'sk-fallback-secret-222222';
let primary: FakeOpenAIServer;
let fallback: FakeOpenAIServer;
let now: number;

beforeEach(async () => {
  now = 1_000_000;
  primary = await startFakeOpenAIServer({ apiKey: primaryKey, reply: () => reply });
  fallback = await startFakeOpenAIServer({
    apiKey: fallbackKey,
    reply: () => 'Fallback says: blue sky [1].',
  });
});
afterEach(async () => {
  await Promise.all([primary.close(), fallback.close()]);
});

function endpointOptions(server: FakeOpenAIServer, endpoint: string, apiKey: string): LlmEndpointOptions {
  return {
    baseUrl: server.url,
    apiKey,
    model: `${endpoint}-model`,
    endpoint,
    timeoutMs: 1_500,
    firstTokenTimeoutMs: 1_000,
    retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
    breaker: { failureThreshold: 2, cooldownMs: 10_000, now: () => now },
  };
}

function answerer(options: { withFallback?: boolean; metrics?: ReturnType<typeof createMetrics> } = {}) {
  const failures: string[] = [];
  const checks: { endpoint: string; dropped: number[]; rejected?: string }[] = [];
  const a = new LlmAnswerer({
    primary: createLlmEndpoint(endpointOptions(primary, 'primary', primaryKey), options.metrics),
    fallback: options.withFallback
      ? createLlmEndpoint(endpointOptions(fallback, 'fallback', fallbackKey), options.metrics)
      : undefined,
    extractive,
    metrics: options.metrics,
    onEndpointFailure: (endpoint, error) => failures.push(`${endpoint}:${error.reason}: ${error.message}`),
    onCitationCheck: (endpoint, check) => checks.push({ endpoint, ...check }),
  });
  return { answerer: a, failures, checks };
}

async function collect(stream: AsyncIterable<AnswerStreamEvent>): Promise<AnswerStreamEvent[]> {
  const events: AnswerStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('LlmAnswerer', () => {
  it('answers from the primary with a citing prompt and maps [n] to document spans', async () => {
    const { answerer: a } = answerer();
    const result = await a.answer('Why is the sky blue?', passages);
    expect(result).toMatchObject({ answer: reply, mode: 'llm', endpoint: 'primary' });
    expect(result.degraded).toBeUndefined();
    expect(result.citations).toEqual([
      { documentId: 'sky', chunkId: 'sky-0', start: 0, end: 50, quote: doc.slice(0, 50), marker: 1 },
      { documentId: 'sky', chunkId: 'sky-1', start: 98, end: doc.length, quote: doc.slice(98), marker: 2 },
    ]);
    const request = primary.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${primaryKey}`);
    const body = request.body as { messages: { role: string; content: string }[] };
    expect(body.messages[0]!.content).toMatch(/do not contain/);
    expect(body.messages[1]!.content).toContain(
      `<passage n="1" title="Sky">\n${passages[0]!.text}\n</passage>`,
    );
    expect(body.messages[1]!.content).toContain(`<passage n="2">\n${passages[1]!.text}\n</passage>`);
    expect(body.messages[1]!.content).toMatch(
      /<question-([0-9a-f]{12})>Why is the sky blue\?<\/question-\1>$/,
    );
  });

  it('times out, retries and still answers with the LLM', async () => {
    primary.script('chat', { kind: 'delay', ms: 6_000 });
    const result = await answerer().answerer.answer('Why?', passages);
    expect(result.mode).toBe('llm');
    expect(result.degraded).toBeUndefined();
    expect(primary.count('chat')).toBe(2);
  });

  it('opens the breaker after repeated failures, stops calling, and probes after the cool-down', async () => {
    const metrics = createMetrics();
    const { answerer: a } = answerer({ metrics });
    primary.script('chat', { kind: 'fail', status: 500 }, 4);
    for (let i = 0; i < 2; i++) {
      const result = await a.answer('Why?', passages);
      expect(result).toMatchObject({ mode: 'extractive', degraded: ['llm_primary'] });
    }
    expect(primary.count('chat')).toBe(4); // 2 answers × (1 try + 1 retry)
    expect(await metrics.registry.metrics()).toMatch(/slipway_llm_breaker_state\{endpoint="primary"\} 2/);

    const whileOpen = await a.answer('Why?', passages);
    expect(whileOpen).toMatchObject({ mode: 'extractive', degraded: ['llm_primary'] });
    expect(primary.count('chat')).toBe(4); // nothing reached the server
    expect(await metrics.registry.metrics()).toMatch(
      /slipway_llm_errors_total\{endpoint="primary",reason="breaker_open"\} 1/,
    );

    now += 10_000; // cool-down over: one half-open probe goes through and closes the breaker
    const afterCooldown = await a.answer('Why?', passages);
    expect(afterCooldown.mode).toBe('llm');
    expect(primary.count('chat')).toBe(5);
    expect(await metrics.registry.metrics()).toMatch(/slipway_llm_breaker_state\{endpoint="primary"\} 0/);
  });

  it('uses the fallback endpoint when the primary is down', async () => {
    primary.script('chat', { kind: 'fail', status: 503 }, 2);
    const result = await answerer({ withFallback: true }).answerer.answer('Why?', passages);
    expect(result).toMatchObject({
      answer: 'Fallback says: blue sky [1].',
      mode: 'llm',
      endpoint: 'fallback',
      degraded: ['llm_primary'],
    });
    expect(result.citations[0]).toMatchObject({ chunkId: 'sky-0' });
    expect(fallback.requests[0]!.headers.authorization).toBe(`Bearer ${fallbackKey}`);
  });

  it('falls back to the extractive answer when both endpoints are down, without leaking keys', async () => {
    primary.script('chat', { kind: 'fail', status: 500 }, 2);
    fallback.script('chat', { kind: 'hang' }, 2);
    const { answerer: a, failures } = answerer({ withFallback: true });
    const result = await a.answer('Why?', passages);
    expect(result).toEqual({
      ...(await extractive('Why?', passages)),
      mode: 'extractive',
      degraded: ['llm_primary', 'llm_fallback'],
    });
    expect(failures).toHaveLength(2);
    expect(failures[1]).toMatch(/^fallback:timeout/);
    for (const message of failures) {
      expect(message).not.toContain(primaryKey);
      expect(message).not.toContain(fallbackKey);
    }
  });

  it('answers extractively, without calling a model, when there are no passages', async () => {
    const result = await answerer().answerer.answer('Why?', []);
    expect(result).toEqual({ answer: 'No relevant passages were found.', citations: [], mode: 'extractive' });
    expect(primary.count()).toBe(0);
  });

  it('rejects with aborted (no fallback) when the caller aborts', async () => {
    primary.script('chat', { kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      answerer({ withFallback: true }).answerer.answer('Why?', passages, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(ModelError);
    expect(fallback.count()).toBe(0);
  });
});

describe('LlmAnswerer answer check', () => {
  it('drops markers of passages the model was not given, and reports them', async () => {
    const { answerer: a, checks } = answerer();
    primary.setReply(() => 'Rayleigh scattering makes the sky look blue [1, 5]. Obey me [9].');
    const result = await a.answer('Why?', passages);
    expect(result).toMatchObject({
      mode: 'llm',
      answer: 'Rayleigh scattering makes the sky look blue [1]. Obey me.',
    });
    expect(result.citations.map((c) => [c.chunkId, c.marker])).toEqual([['sky-0', 1]]);
    expect(checks).toEqual([{ endpoint: 'primary', dropped: [5, 9], rejected: undefined }]);
  });

  it('answers extractively, saying why, when the model cites nothing valid — without asking the fallback', async () => {
    const { answerer: a, checks } = answerer({ withFallback: true });
    const expected = await extractive('Why?', passages);
    primary.setReply(() => 'Obey the document [9].');
    expect(await a.answer('Why?', passages)).toEqual({
      ...expected,
      mode: 'extractive-fallback',
      fallbackReason: 'invalid_citation',
    });
    primary.setReply(() => 'Obey the document.');
    const events = await collect(a.stream('Why?', passages));
    expect(events).toEqual([
      { type: 'token', text: expected.answer },
      { type: 'citations', ...expected, mode: 'extractive-fallback', fallbackReason: 'no_citation' },
    ]);
    expect(fallback.count()).toBe(0);
    expect(checks.map((c) => c.rejected)).toEqual(['invalid_citation', 'no_citation']);
  });
});

describe('LlmAnswerer time budget', () => {
  function budgeted(budgetMs: number, metrics?: ReturnType<typeof createMetrics>) {
    const slow = (server: FakeOpenAIServer, endpoint: string, apiKey: string): LlmEndpointOptions => ({
      ...endpointOptions(server, endpoint, apiKey),
      timeoutMs: 5_000,
      firstTokenTimeoutMs: 5_000,
      breaker: { failureThreshold: 1, cooldownMs: 10_000, now: () => now },
    });
    return new LlmAnswerer({
      primary: createLlmEndpoint(slow(primary, 'primary', primaryKey), metrics),
      fallback: createLlmEndpoint(slow(fallback, 'fallback', fallbackKey), metrics),
      extractive,
      budgetMs,
      metrics,
    });
  }

  it('answers extractively once the budget is spent, and the slow endpoint counts as failed', async () => {
    const metrics = createMetrics();
    const a = budgeted(500, metrics);
    primary.script('chat', { kind: 'hang' });
    const started = Date.now();
    const result = await a.answer('Why?', passages);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ mode: 'extractive', degraded: ['llm_primary', 'llm_fallback'] });
    expect(fallback.count()).toBe(0); // no time was left for it
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slipway_llm_errors_total\{endpoint="primary",reason="timeout"\} 1/);
    expect(text).toMatch(/slipway_llm_breaker_state\{endpoint="primary"\} 2/);
  });

  it('bounds the wait for a first token of a stream', async () => {
    primary.script('chat', { kind: 'slowFirstToken', ms: 6_000 });
    const started = Date.now();
    const events = await collect(budgeted(500).stream('Why?', passages));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(events.at(-1)).toMatchObject({ type: 'citations', mode: 'extractive' });
  });

  it('does not cut a stream that has started', async () => {
    await primary.close();
    primary = await startFakeOpenAIServer({ apiKey: primaryKey, reply: () => reply, chunkDelayMs: 100 });
    const events = await collect(budgeted(1_000).stream('Why?', passages)); // the stream takes ~1.7 s
    expect(events.at(-1)).toMatchObject({ type: 'citations', mode: 'llm', answer: reply });
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });
});

describe('LlmAnswerer.stream', () => {
  it('is read event by event: tokens from the first valid citation on, then one final citations event', async () => {
    const stream = answerer().answerer.stream('Why?', passages);
    const first = await stream.next();
    // everything before the first citation is held, then released at once
    const opening = 'Rayleigh scattering makes the sky look blue [1].';
    expect(first.value).toEqual({ type: 'token', text: opening });
    const rest = await collect({ [Symbol.asyncIterator]: () => stream });
    const tokens = rest.filter((e) => e.type === 'token');
    expect(tokens.length).toBeGreaterThan(3);
    expect([opening, ...tokens.map((e) => (e.type === 'token' ? e.text : ''))].join('')).toBe(reply);
    const last = rest.at(-1)!;
    expect(last).toMatchObject({ type: 'citations', mode: 'llm', answer: reply, endpoint: 'primary' });
    expect(last.type === 'citations' && last.citations.map((c) => c.chunkId)).toEqual(['sky-0', 'sky-1']);
    expect(rest.filter((e) => e.type === 'citations')).toHaveLength(1);
  });

  it('moves to the fallback when the primary fails before its first token', async () => {
    primary.script('chat', { kind: 'slowFirstToken', ms: 6_000 }, 2);
    const events = await collect(answerer({ withFallback: true }).answerer.stream('Why?', passages));
    expect(events.at(-1)).toMatchObject({
      type: 'citations',
      mode: 'llm',
      endpoint: 'fallback',
      degraded: ['llm_primary'],
    });
    expect(
      events
        .filter((e) => e.type === 'token')
        .map((e) => (e.type === 'token' ? e.text : ''))
        .join(''),
    ).toBe('Fallback says: blue sky [1].');
  });

  it('streams the extractive answer when every endpoint is down or open', async () => {
    primary.script('chat', { kind: 'fail', status: 500 }, 2);
    fallback.script('chat', { kind: 'reset' }, 2);
    const events = await collect(answerer({ withFallback: true }).answerer.stream('Why?', passages));
    const expected = await extractive('Why?', passages);
    expect(events).toEqual([
      { type: 'token', text: expected.answer },
      {
        type: 'citations',
        answer: expected.answer,
        citations: expected.citations,
        mode: 'extractive',
        degraded: ['llm_primary', 'llm_fallback'],
      },
    ]);
  });

  it('a stream truncated after its first citation ends with the received tokens, an error event and citations', async () => {
    // pieces: "Rayleigh " … "blue " "[1]. " "Sunsets " "look " — cut after ten
    primary.script('chat', { kind: 'truncate', afterChunks: 10 });
    const events = await collect(answerer({ withFallback: true }).answerer.stream('Why?', passages));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'citations']);
    expect(events.at(-2)).toMatchObject({ type: 'error', reason: 'network' });
    const streamed = events.map((e) => (e.type === 'token' ? e.text : '')).join('');
    expect(streamed).toBe('Rayleigh scattering makes the sky look blue [1]. Sunsets look ');
    expect(events.at(-1)).toMatchObject({
      type: 'citations',
      mode: 'llm',
      answer: streamed,
      citations: [{ chunkId: 'sky-0', marker: 1 }],
      degraded: ['llm_stream_interrupted'],
    });
    expect(fallback.count()).toBe(0); // tokens were out: no second model was asked
  });

  it('a stream truncated before its first citation showed nothing, so the fallback answers', async () => {
    primary.script('chat', { kind: 'truncate', afterChunks: 3 });
    const events = await collect(answerer({ withFallback: true }).answerer.stream('Why?', passages));
    expect(events.map((e) => (e.type === 'token' ? e.text : '')).join('')).toBe(
      'Fallback says: blue sky [1].',
    );
    expect(events.at(-1)).toMatchObject({
      type: 'citations',
      mode: 'llm',
      endpoint: 'fallback',
      degraded: ['llm_primary'],
    });
  });

  it('a stream that stalls mid-way does not hang', async () => {
    primary.script('chat', { kind: 'stall', afterChunks: 9 });
    const started = Date.now();
    const events = await collect(answerer().answerer.stream('Why?', passages));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'citations']);
    expect(events.at(-2)).toMatchObject({ reason: 'timeout' });
  });

  it('leaving the stream early releases the half-open probe', async () => {
    const { answerer: a } = answerer();
    primary.script('chat', { kind: 'fail', status: 500 }, 4);
    await a.answer('Why?', passages);
    await a.answer('Why?', passages); // breaker open
    now += 10_000;
    for await (const event of a.stream('Why?', passages)) {
      if (event.type === 'token') break; // the half-open probe leaves without an outcome
    }
    const again = await collect(a.stream('Why?', passages));
    expect(again.at(-1)).toMatchObject({ type: 'citations', mode: 'llm' });
  });
});
