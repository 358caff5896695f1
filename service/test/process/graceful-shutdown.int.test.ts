import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provideMigratedStores, type MigratedStores } from '../support/migrated-stores.js';
import { startServer } from '../../src/server.js';

/** SIGTERM semantics of the server: stop accepting, finish in-flight requests, close pools; unix socket removed. */
describe('graceful shutdown', () => {
  let stores: MigratedStores;
  beforeAll(async () => {
    stores = await provideMigratedStores();
  });
  afterAll(async () => {
    await stores?.stop();
  });

  it('finishes an in-flight request, refuses new connections, and removes its socket', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'slipway-sock-')), 'app.sock');
    const running = await startServer({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...stores.env,
      LISTEN_SOCKET: socketPath,
    });
    // a slow in-flight request: the route answers only after the body has fully arrived
    const inflight = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath,
          path: '/v1/collections',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 16 },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write('{"name":');
      setTimeout(() => req.end('"slow1"}'), 500);
    });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = running.stop('SIGTERM');
    expect(await inflight).toBe(401); // answered (no key), not cut off
    await stopping;
    const refused = await new Promise<string>((resolve) => {
      httpRequest({ socketPath, path: '/health/live' }, () => resolve('answered'))
        .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
        .end();
    });
    expect(['ENOENT', 'ECONNREFUSED']).toContain(refused);
  });
});
