import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOpenLoop } from '../lib/run-open-loop.js';

// A local server that answers every request after a fixed delay.
const DELAY_MS = 100;

describe('runOpenLoop', () => {
  let server: Server;
  let url: string;
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      req.on('end', () => setTimeout(() => res.end('{}'), DELAY_MS));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends at the rate whatever the answers take, spaced evenly', async () => {
    arrivals.length = 0;
    const result = await runOpenLoop({
      name: 'spaced',
      url,
      connections: 64,
      durationS: 1,
      overallRate: 40,
      body: '{}',
    });
    expect(result.requests).toBe(40);
    expect(result.non2xx).toBe(0);
    // 40 requests in about a second although each takes 100 ms and a closed loop of one would manage 10
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(800);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    expect(Math.max(...gaps)).toBeLessThan(250); // no per-second bursts with a long pause
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it('counts the wait for a free connection in the latency (no coordinated omission)', async () => {
    const result = await runOpenLoop({
      name: 'queued',
      url,
      connections: 1,
      durationS: 0.5,
      overallRate: 20,
      body: '{}',
    });
    expect(result.requests).toBe(10);
    // one connection, 100 ms each: the last request, due at 450 ms, is answered at about 1,000 ms
    expect(result.latencyMs.max).toBeGreaterThan(450);
  });
});
