// A child process for the shutdown test: starts the real server (src/server.ts) on the stores named by its
// environment, ingests one document through HTTP (which starts the embedding worker threads), reports one
// JSON line on stdout, then shuts down as SIGTERM would — and never calls process.exit: the process must end
// by itself. Run as `node --import tsx ingest-then-exit.ts`.
import { startServer } from '../../src/server.js';
import type { PooledEmbedder } from '../../src/embeddings/embed-worker-pool.js';

const running = await startServer({ ...process.env, PORT: '0', HOST: '127.0.0.1' });
const { port } = running.server.address() as { port: number };
const base = `http://127.0.0.1:${port}`;
const { key } = await running.runtime.deps.keys.create('shutdown-test', ['admin', 'ingest']);
const call = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const created = await call('/v1/collections', { name: 'shutdown' });
const ingested = await call('/v1/collections/shutdown/documents', {
  text: 'Worker threads embed this text; the server must still exit by itself after a graceful shutdown.',
});
const pool = running.runtime.deps.ingestEmbedder as PooledEmbedder | undefined;
const report = {
  created: created.status,
  ingested: ingested.status,
  threadsAfterIngest: pool?.running() ?? 0,
};
await running.stop('SIGTERM');
process.stdout.write(`${JSON.stringify({ ...report, threadsAfterStop: pool?.running() ?? 0 })}\n`);
