import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { pino } from 'pino';
import request from 'supertest';
import { requestContext, requestLog } from '../../src/http/request-context.js';
import { securityHeaders } from '../../src/http/security-headers.js';

const ourOptions: HelmetOptions = { contentSecurityPolicy: { directives: { 'style-src': ["'self'"] } } };

/** The headers helmet's own middleware and our worked-out-once copy put on a real response. */
async function headersOf(middleware: express.RequestHandler) {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => void res.json({ ok: true }));
  const res = await request(app).get('/');
  const { date: _date, etag: _etag, ...rest } = res.headers;
  return rest;
}

describe('securityHeaders', () => {
  it('sets exactly the headers helmet sets, for our options and for the defaults', async () => {
    for (const options of [ourOptions, {}]) {
      const ours = await headersOf(securityHeaders(options));
      expect(ours).toEqual(await headersOf(helmet(options)));
      expect(ours['content-security-policy']).toEqual(expect.stringContaining('default-src'));
    }
  });

  it('refuses at start options whose headers depend on the request', () => {
    const perRequest: HelmetOptions = {
      contentSecurityPolicy: { directives: { 'script-src': ["'self'", (req) => String(req.url)] } },
    };
    expect(() => securityHeaders(perRequest)).toThrow(/read the request/);
  });
});

/** Our request context on a real Express app, logging through real pino into memory. */
function appLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level }, sink);
  const app = express();
  app.use(requestContext(logger));
  app.get('/health/live', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.get('/missing', (_req, res) => void res.status(404).json({}));
  app.get('/noted', (req, res) => {
    requestLog(req, res, logger).info({ step: 'inside' }, 'handler note');
    res.status(503).json({});
  });
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { app, lines, settled };
}

describe('requestContext', () => {
  it('writes one completion line per request with its id, method, redacted url, status and time', async () => {
    const { app, lines, settled } = appLogging('info');
    const res = await request(app).get('/ok?api_key=s3cret&page=2').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    await settled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: 'abc-123',
      req: { id: 'abc-123', method: 'GET', url: '/ok?api_key=[REDACTED]&page=2' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('logs 4xx at warn and 5xx at error, with the lines a handler wrote carrying the same request', async () => {
    const { app, lines, settled } = appLogging('warn');
    await request(app).get('/ok');
    await request(app).get('/missing');
    await request(app).get('/noted');
    await settled();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'request completed'],
      [50, 'request errored'],
    ]); // the 200 and the handler's info note are below warn
    expect((lines[1]!.req as { url: string }).url).toBe('/noted');
  });

  it('gives a handler a logger bound to its request, and makes a fresh request id when none is sane', async () => {
    const { app, lines, settled } = appLogging('info');
    const res = await request(app).get('/noted').set('x-request-id', 'not valid!');
    await settled();
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((l) => l.msg)).toEqual(['handler note', 'request errored']);
    for (const line of lines) expect(line.requestId).toBe(res.headers['x-request-id']);
  });

  it('does not log liveness probes', async () => {
    const { app, lines, settled } = appLogging('info');
    await request(app).get('/health/live');
    await settled();
    expect(lines).toEqual([]);
  });
});
