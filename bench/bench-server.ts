// Child process the benchmarks measure, so the load generator never shares its event loop.
//   bench-server.ts service  — the real service (service/src/server.ts) on the stores named by the env, PORT=0
//   bench-server.ts bare     — a bare Express JSON route, the baseline (and the floor of a cache hit)
// It reports its port to the parent over IPC ({ port }) and stops on SIGTERM or when the parent goes away.
import express from 'express';
import type { Server } from 'node:http';
import { startServer } from '@slipway/service/server';

async function startBare(): Promise<{ server: Server; stop(signal?: string): Promise<void> }> {
  const app = express();
  app.get('/x', (_req, res) => {
    res.json({ status: 'ok', answer: 'a bare Express JSON route', n: 42 });
  });
  // The floor of a cache hit: POST /floor/:name parses a JSON body and sends the response PUT there before,
  // the work a hit cannot avoid (no keys, limits, validation, cache, headers or logs; no ETag, as the
  // service sends none). A sub-app, so GET /x keeps Express's defaults.
  const floorResponses = new Map<string, unknown>();
  const floor = express();
  floor.set('etag', false);
  app.use(floor);
  floor.put('/floor/:name', express.json({ limit: '10mb' }), (req, res) => {
    floorResponses.set(req.params.name, req.body);
    res.json({ stored: req.params.name });
  });
  floor.post('/floor/:name', express.json(), (req, res) => {
    res.json(floorResponses.get(req.params.name) ?? {});
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    stop: (_signal?: string) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main() {
  const mode = process.argv[2];
  if (mode !== 'service' && mode !== 'bare')
    throw new Error(`usage: bench-server.ts service|bare (got ${mode})`);
  const running =
    mode === 'bare' ? await startBare() : await startServer({ ...process.env, PORT: '0', HOST: '127.0.0.1' });
  const address = running.server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop('SIGTERM');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.send?.({ port: address.port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
