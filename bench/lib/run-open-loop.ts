import { Agent, request } from 'node:http';
import { summariseRun, type LoadResult, type LoadSpec } from './run-load.js';

/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, whether or not earlier ones have
 * been answered, over at most `connections` keep-alive connections. Its latency runs from when it was due,
 * so time spent waiting for a free connection counts (no coordinated omission).
 *
 * autocannon's `overallRate` is not this: each connection sends its share of a second's requests back to back
 * at the start of every second and then waits, so a "200 rps" run is a saturated burst for most of each
 * second and its latencies measure the burst, not 200 evenly arriving requests.
 */
export async function runOpenLoop(
  spec: LoadSpec & { overallRate: number; body: string | (() => string) },
): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const total = Math.round(spec.overallRate * spec.durationS);
  const intervalMs = 1000 / spec.overallRate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();

  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const body = typeof spec.body === 'function' ? spec.body() : spec.body;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: spec.method ?? 'POST',
          headers: { ...spec.headers, 'content-length': Buffer.byteLength(body) },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total;) {
    const now = performance.now();
    // every request whose time has come goes out now; then sleep until the next one is due
    while (i < total && started + i * intervalMs <= now) inFlight.push(send(started + i++ * intervalMs));
    if (i < total) await new Promise((resolve) => setTimeout(resolve, started + i * intervalMs - now));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return summariseRun(spec, latencies, elapsedS, { non2xx, errors, timeouts: 0 });
}
