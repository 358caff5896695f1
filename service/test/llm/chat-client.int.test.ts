import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatClient, type ChatClientOptions, type ChatStreamEvent } from '../../src/llm/chat-client.js';
import { ModelError } from '../../src/errors/model-error.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { expectModelError } from '../support/expect-model-error.js';

const apiKey = 'sk-test-chat-abcdefghijklmnop';
const messages = [{ role: 'user' as const, content: 'Why is the sky blue?' }];
let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await startFakeOpenAIServer({ apiKey, reply: () => 'Rayleigh scattering makes it blue [1].' });
});
afterEach(async () => {
  await server.close();
});

function client(overrides: Partial<ChatClientOptions> = {}): ChatClient {
  return new ChatClient({
    baseUrl: server.url,
    apiKey,
    model: 'fake-chat',
    timeoutMs: 5_000,
    firstTokenTimeoutMs: 3_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2_000 },
    ...overrides,
  });
}

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('ChatClient (non-streaming)', () => {
  it('sends model, messages and key, and returns content with reported usage', async () => {
    const metrics = createMetrics();
    const completion = await client({ metrics }).complete(messages);
    expect(completion.content).toBe('Rayleigh scattering makes it blue [1].');
    expect(completion.finishReason).toBe('stop');
    expect(completion.usage.estimated).toBe(false);
    expect(completion.usage.completionTokens).toBeGreaterThan(0);
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(request.body).toMatchObject({ model: 'fake-chat', messages, stream: false, max_tokens: 512 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slipway_llm_tokens_total\{direction="out"\} \d+/);
    expect(text).toMatch(/slipway_llm_request_duration_seconds_count\{endpoint="primary"\} 1/);
  });

  it('times out, retries, and succeeds', async () => {
    server.script('chat', { kind: 'delay', ms: 6_000 });
    const started = Date.now();
    const completion = await client({ timeoutMs: 1_000 }).complete(messages);
    expect(completion.content).toContain('Rayleigh');
    expect(server.count('chat')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('honours Retry-After on 429', async () => {
    server.script('chat', { kind: 'fail', status: 429, headers: { 'retry-after': '1' } });
    await client().complete(messages);
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up after the retries with a typed error and counts it', async () => {
    const metrics = createMetrics();
    server.script('chat', { kind: 'fail', status: 502 }, 3);
    const error = await expectModelError(client({ metrics }).complete(messages));
    expect(error).toMatchObject({ reason: 'http', upstreamStatus: 502, endpoint: 'primary' });
    expect(server.count('chat')).toBe(3);
    expect(await metrics.registry.metrics()).toMatch(
      /slipway_llm_errors_total\{endpoint="primary",reason="http"\} 1/,
    );
  });

  it('never puts the API key into an error message', async () => {
    const wrongKey = 'sk-wrong-chat-key-must-not-leak';
    const error = await expectModelError(client({ apiKey: wrongKey }).complete(messages));
    expect(error.upstreamStatus).toBe(401);
    expect(error.message).not.toContain(wrongKey);
    expect(String(error.stack)).not.toContain(wrongKey);
  });
});

describe('ChatClient (streaming)', () => {
  it('yields content deltas then done with server-reported usage', async () => {
    const events = await collect(client().stream(messages));
    const deltas = events.filter((e) => e.type === 'delta').map((e) => (e.type === 'delta' ? e.text : ''));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('Rayleigh scattering makes it blue [1].');
    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop', usage: { estimated: false } });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('drops stream_options for a server that rejects it and estimates usage', async () => {
    await server.close();
    server = await startFakeOpenAIServer({ rejectStreamOptions: true, reply: () => 'abcd efgh' });
    const c = client({ apiKey: undefined });
    const events = await collect(c.stream(messages));
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { completionTokens: 3, estimated: true } });
    await collect(c.stream(messages));
    expect(server.count('chat')).toBe(3); // rejected once, then never sent again
    expect(server.requests[2]!.body).not.toHaveProperty('stream_options');
  });

  it('retries a stream that fails before its first token', async () => {
    server.script('chat', { kind: 'fail', status: 503 });
    server.script('chat', { kind: 'truncate', afterChunks: 0 });
    const events = await collect(client().stream(messages));
    expect(events.at(-1)?.type).toBe('done');
    expect(server.count('chat')).toBe(3);
  });

  it('applies the time-to-first-token limit, then retries', async () => {
    server.script('chat', { kind: 'slowFirstToken', ms: 6_000 });
    const started = Date.now();
    const events = await collect(client({ firstTokenTimeoutMs: 1_000 }).stream(messages));
    expect(events.at(-1)?.type).toBe('done');
    expect(server.count('chat')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not retry after tokens were streamed: a truncated stream throws after its deltas', async () => {
    server.script('chat', { kind: 'truncate', afterChunks: 2 });
    const received: string[] = [];
    let caught: unknown;
    try {
      for await (const event of client().stream(messages))
        if (event.type === 'delta') received.push(event.text);
    } catch (error) {
      caught = error;
    }
    expect(received.join('')).toBe('Rayleigh scattering ');
    expect(caught).toBeInstanceOf(ModelError);
    expect((caught as ModelError).reason).toBe('network');
    expect(server.count('chat')).toBe(1);
  });

  it('a stream that stalls mid-way ends with a timeout instead of hanging', async () => {
    server.script('chat', { kind: 'stall', afterChunks: 1 });
    const started = Date.now();
    const stream = client({ timeoutMs: 1_500 }).stream(messages);
    const first = await stream.next();
    expect(first.value).toEqual({ type: 'delta', text: 'Rayleigh ' });
    await expect(stream.next()).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.count('chat')).toBe(1);
  });

  it('leaving the loop early cancels the request', async () => {
    await server.close();
    server = await startFakeOpenAIServer({ chunkDelayMs: 50, reply: () => 'one two three four five six' });
    for await (const event of client({ apiKey: undefined }).stream(messages)) {
      if (event.type === 'delta') break;
    }
    // the server sees its socket closed long before it would have finished writing
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.count('chat')).toBe(1);
  });

  it('accepts a server that ignores stream:true and answers with JSON', async () => {
    const events = await collect(
      new ChatClient({
        baseUrl: server.url,
        apiKey,
        model: 'm',
        fetch: async (input, init) => {
          const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
          return fetch(input, { ...init, body: JSON.stringify({ ...body, stream: false }) });
        },
      }).stream(messages),
    );
    expect(events).toEqual([
      { type: 'delta', text: 'Rayleigh scattering makes it blue [1].' },
      { type: 'done', finishReason: 'stop', usage: expect.objectContaining({ estimated: false }) },
    ]);
  });
});
