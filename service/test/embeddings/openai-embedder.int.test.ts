import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CircuitBreaker } from '../../src/openai-client/circuit-breaker.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../../src/embeddings/openai-embedder.js';
import { createMetrics } from '../../src/observability/metrics.js';
import {
  fakeEmbedding,
  startFakeOpenAIServer,
  type FakeOpenAIServer,
} from '../support/fake-openai-server.js';
import { expectModelError } from '../support/expect-model-error.js';

const apiKey = 'sk-test-embeddings-0123456789';
let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await startFakeOpenAIServer({ dimensions: 8, apiKey });
});
afterEach(async () => {
  await server.close();
});

function embedder(overrides: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({
    baseUrl: server.url,
    apiKey,
    model: 'text-embedding-test',
    dimensions: 8,
    batchSize: 3,
    timeoutMs: 5_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2_000 },
    ...overrides,
  });
}

describe('OpenAIEmbedder against an OpenAI-compatible server', () => {
  it('batches inputs, sends model and key, and returns vectors in input order', async () => {
    const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', ''];
    const vectors = await embedder().embed(texts);

    expect(vectors).toHaveLength(6);
    expect(vectors[0]).toEqual(fakeEmbedding('alpha', 8));
    expect(vectors[4]).toEqual(fakeEmbedding('epsilon', 8));
    expect(server.count('embeddings')).toBe(2);
    const first = server.requests[0]!;
    expect(first.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(first.body).toEqual({ model: 'text-embedding-test', input: ['alpha', 'beta', 'gamma'] });
    expect(server.requests[1]!.body).toEqual({
      model: 'text-embedding-test',
      input: ['delta', 'epsilon', ' '],
    });
  });

  it('keeps input order with several batches in flight', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `text ${i}`);
    const vectors = await embedder({ batchSize: 2, concurrency: 4 }).embed(texts);
    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 8)));
    expect(server.count('embeddings')).toBe(10);
  });

  it('accepts a base URL that already ends in /v1 and returns [] for no texts without a request', async () => {
    const e = embedder({ baseUrl: `${server.url}/v1/` });
    expect(await e.embed([])).toEqual([]);
    expect(await e.embed(['x'])).toHaveLength(1);
    expect(server.requests[0]!.path).toBe('/v1/embeddings');
    expect(e.name).toBe('openai:text-embedding-test');
  });

  it('times out a slow request, retries, and succeeds', async () => {
    server.script('embeddings', { kind: 'delay', ms: 6_000 });
    const started = Date.now();
    const vectors = await embedder({ timeoutMs: 1_000 }).embed(['slow']);
    expect(vectors[0]).toEqual(fakeEmbedding('slow', 8));
    expect(server.count('embeddings')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000); // did not wait for the slow answer
  });

  it('retries 5xx and connection resets, then gives up with a typed error', async () => {
    server.script('embeddings', { kind: 'fail', status: 503 });
    server.script('embeddings', { kind: 'reset' });
    expect(await embedder().embed(['a'])).toHaveLength(1);
    expect(server.count('embeddings')).toBe(3);

    server.script('embeddings', { kind: 'fail', status: 500 }, 3);
    const error = await expectModelError(embedder().embed(['a']));
    expect(error.reason).toBe('http');
    expect(error.upstreamStatus).toBe(500);
    expect(server.count('embeddings')).toBe(6);
  });

  it('honours Retry-After on 429', async () => {
    server.script('embeddings', { kind: 'fail', status: 429, headers: { 'retry-after': '1' } });
    await embedder().embed(['a']);
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('fails at once when Retry-After is longer than the policy allows', async () => {
    server.script('embeddings', { kind: 'fail', status: 429, headers: { 'retry-after': '60' } });
    const error = await expectModelError(embedder().embed(['a']));
    expect(error.reason).toBe('http');
    expect(error.retryAfterMs).toBe(60_000);
    expect(server.count('embeddings')).toBe(1);
  });

  it('does not retry a 4xx and never puts the API key into the error', async () => {
    const wrongKey = 'sk-wrong-key-should-not-leak-42';
    const error = await expectModelError(embedder({ apiKey: wrongKey }).embed(['a']));
    expect(error.reason).toBe('http');
    expect(error.upstreamStatus).toBe(401);
    expect(server.count('embeddings')).toBe(1);
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).not.toContain(wrongKey);
    expect(JSON.stringify(error)).not.toContain(wrongKey);
    expect(String(error.stack)).not.toContain(wrongKey);
  });

  it('rejects malformed bodies and wrong dimensions as invalid_response', async () => {
    server.script('embeddings', { kind: 'malformed' });
    expect((await expectModelError(embedder().embed(['a']))).reason).toBe('invalid_response');
    expect((await expectModelError(embedder({ dimensions: 16 }).embed(['a']))).reason).toBe(
      'invalid_response',
    );
  });

  it('sends dimensions when asked', async () => {
    const vectors = await embedder({ dimensions: 12, sendDimensions: true }).embed(['a']);
    expect(vectors[0]).toHaveLength(12);
    expect(server.requests[0]!.body).toMatchObject({ dimensions: 12 });
  });

  it('classifies an unreachable server as a network error and a caller abort as aborted', async () => {
    const closed = await startFakeOpenAIServer();
    const url = closed.url;
    await closed.close();
    const error = await expectModelError(embedder({ baseUrl: url, retry: { maxRetries: 0 } }).embed(['a']));
    expect(error.reason).toBe('network');

    server.script('embeddings', { kind: 'hang' });
    const controller = new AbortController();
    const pending = embedder({ timeoutMs: 5_000 }).embed(['a'], controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await expectModelError(pending)).reason).toBe('aborted');
  });

  it('fails fast behind an open breaker and records metrics', async () => {
    const metrics = createMetrics();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    server.script('embeddings', { kind: 'fail', status: 500 }, 3);
    const e = embedder({ breaker, metrics });
    expect((await expectModelError(e.embed(['a']))).reason).toBe('http');
    expect((await expectModelError(e.embed(['a']))).reason).toBe('breaker_open');
    expect(server.count('embeddings')).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slipway_embedding_errors_total\{provider="openai"\} 2/);
  });
});
