import { createServer, request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { problemErrorHandler } from '../../src/http/problem-response.js';
import { requestTimeout } from '../../src/http/request-timeout.js';
import { createLogger } from '../../src/observability/logger.js';

/** A handler whose work is cancelled because the client hung up must not be logged as an unhandled error. */
describe('abandoned requests', () => {
  it('logs a cancelled handler as abandoned (info), not as an unhandled error', async () => {
    const lines: { level: string; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const logger = createLogger('info', sink);
    let handlerFailed!: () => void;
    const failed = new Promise<void>((resolve) => (handlerFailed = resolve));
    const app = express();
    app.use(requestTimeout(10_000));
    app.get('/slow', async (_req, res) => {
      // outbound work that honours the request's signal, as the routes do
      await new Promise((_resolve, reject) => {
        res.locals.signal?.addEventListener('abort', () => reject(res.locals.signal?.reason));
      }).finally(() => setImmediate(handlerFailed));
    });
    app.use(problemErrorHandler(logger));
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const req = httpRequest({ port, host: '127.0.0.1', path: '/slow' });
      req.on('error', () => undefined);
      req.end();
      await new Promise((r) => setTimeout(r, 100));
      req.destroy();
      await failed;
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(lines).toEqual(
        expect.arrayContaining([expect.objectContaining({ level: 'info', msg: 'request abandoned' })]),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
