import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/**
 * A large document does not stall the process: while a 2 MB document is normalised, chunked and embedded,
 * /health/live keeps answering. (Before: the whole CPU part ran in one turn of the event loop, ~0.5 s per
 * MB on an idle machine, so every other request waited for all of it.)
 */
describe('a large ingest', () => {
  let svc: ServiceUnderTest;
  let base: string;
  beforeAll(async () => {
    // a generous request timeout: on a loaded machine the whole ingest can take longer than the default 30 s
    svc = await startServiceUnderTest({
      MAX_BODY_BYTES: String(4 * 1024 * 1024),
      REQUEST_TIMEOUT_MS: '180000',
    });
    base = await svc.listen();
    await request(svc.app).post('/v1/collections').set(svc.auth('admin')).send({ name: 'large' }).expect(201);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('leaves /health/live answering while it runs', async () => {
    const words =
      'deploy rollback socket switch health gate nginx colour drain migration vector answer'.split(' ');
    const parts: string[] = [];
    for (let i = 0, size = 0; size < 2_000_000; i++) {
      const part = `${words[i % words.length]}${i % 17 === 16 ? '.' : ''}${i % 300 === 299 ? '\n\n' : ' '}`;
      parts.push(part);
      size += part.length;
    }
    const text = parts.join('');
    let done = false;
    const ingest = fetch(`${base}/v1/collections/large/documents`, {
      method: 'POST',
      headers: { ...svc.auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'big', text }),
    }).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${base}/health/live`);
      await res.text();
      if (!done) latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
    }
    const res = await ingest;
    expect(res.status).toBe(201);
    const chunks = ((await res.json()) as { documents: { chunks: number }[] }).documents[0]?.chunks ?? 0;
    expect(chunks).toBeGreaterThan(2000);
    expect(latencies.length).toBeGreaterThan(5);
    // a stalled loop answers only after the whole CPU part (seconds here); a yielding one within a step
    expect(Math.max(...latencies)).toBeLessThan(1500);
  }, 120_000);
});
