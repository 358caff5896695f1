import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

// 24 pieces, 120 ms apart: the stream takes ~3 s, twice REQUEST_TIMEOUT_MS
const reply = `${'The old colour keeps serving while the new one is checked '.repeat(2).trim()} [1].`;

describe('streamed answers are exempt from the request deadline', () => {
  let llm: FakeOpenAIServer;
  let svc: ServiceUnderTest;
  let baseUrl: string;

  beforeAll(async () => {
    llm = await startFakeOpenAIServer({ reply: () => reply, chunkDelayMs: 120 });
    svc = await startServiceUnderTest({
      LLM_URL: llm.url,
      REQUEST_TIMEOUT_MS: '1500',
      LLM_TIMEOUT_MS: '10000',
    });
    await svc.seedCollection('kb', [
      { id: 'deploy', text: 'During a deploy the old colour keeps serving until the new one is healthy.' },
    ]);
    baseUrl = await svc.listen();
  });
  afterAll(async () => {
    await svc?.stop();
    await llm?.close();
  });

  it('streams past REQUEST_TIMEOUT_MS to the final citations event, without an error', async () => {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/v1/collections/kb/answer`, {
      method: 'POST',
      headers: { ...svc.auth('read'), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ question: 'What keeps serving during a deploy?' }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(1500);
    const events = [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(events.at(-1)).toBe('citations');
    expect(events).not.toContain('error');
    const data = [...text.matchAll(/^data: (.*)$/gm)].map(
      (m) => JSON.parse(m[1]!) as Record<string, unknown>,
    );
    expect(
      data
        .slice(0, -1)
        .map((d) => d.text)
        .join(''),
    ).toBe(reply);
    expect(data.at(-1)).toMatchObject({ mode: 'llm', cached: false });
  });
});
