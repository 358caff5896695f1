import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildConsole, type ConsoleBuild } from '@slipway/console/build';
import express from 'express';
import request from 'supertest';
import { problemErrorHandler } from '../../src/http/problem-response.js';
import { createLogger } from '../../src/observability/logger.js';
import { consoleRoutes } from '../../src/routes/console-routes.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** What the web console needs from the service: its own files, GET /v1/keys/me, and a document listing. */
describe('the console’s part of the HTTP contract', () => {
  let svc: ServiceUnderTest;
  let built: ConsoleBuild;
  beforeAll(async () => {
    [svc, built] = await Promise.all([startServiceUnderTest(), buildConsole()]);
    await request(svc.app)
      .post('/v1/collections')
      .set(svc.auth('admin'))
      .send({ name: 'listing' })
      .expect(201);
    const documents = ['c', 'a', 'e', 'b', 'd'].map((id) => ({
      id,
      title: `Doc ${id}`,
      text: `Text of ${id}.`,
    }));
    await request(svc.app)
      .post('/v1/collections/listing/documents')
      .set(svc.auth('ingest'))
      .send({ documents })
      .expect(201);
  });
  afterAll(async () => svc?.stop());

  it('serves index.html at / revalidated each time, under a CSP without unsafe-inline', async () => {
    const res = await request(svc.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain(`/assets/${built.assets.script}`);
    expect(res.text).toContain(`/assets/${built.assets.style}`);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/); // nothing inline
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('serves the hashed assets as immutable for a year, and 404 problems for unknown ones', async () => {
    for (const name of [built.assets.script, built.assets.style, built.assets.icon]) {
      const res = await request(svc.app).get(`/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    expect((await request(svc.app).get(`/assets/${built.assets.script}`)).headers['content-type']).toMatch(
      /javascript/,
    );
    const missing = await request(svc.app).get('/assets/console-000000000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(svc.app).get('/assets/../package.json')).status).toBe(404);
  });

  it('answers a 404 problem naming the build command when the console is not built', async () => {
    const app = express();
    app.use(consoleRoutes('/nonexistent/console/dist'));
    app.use(problemErrorHandler(createLogger('silent')));
    const res = await request(app).get('/');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('npm run build -w console');
    expect(JSON.stringify(res.body)).not.toContain('/nonexistent'); // no server paths to clients
  });

  it('GET /v1/keys/me tells any valid key its scopes, and 401 without one', async () => {
    for (const scope of ['read', 'ingest', 'admin'] as const) {
      const res = await request(svc.app).get('/v1/keys/me').set(svc.auth(scope));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        name: `test-${scope}`,
        prefix: svc.keys[scope].slice(0, 10),
        scopes: [scope],
        budget: null,
        usage: null,
        resetAt: null,
      });
    }
    expect((await request(svc.app).get('/v1/keys/me')).status).toBe(401);
    const unknown = await request(svc.app)
      .get('/v1/keys/me')
      .set('Authorization', `Bearer slw_${'x'.repeat(43)}`);
    expect(unknown.status).toBe(401);
  });

  it('lists documents without their text, by id, a page at a time', async () => {
    const first = await request(svc.app)
      .get('/v1/collections/listing/documents?limit=2')
      .set(svc.auth('read'));
    expect(first.status).toBe(200);
    expect(first.body.documents.map((d: { id: string }) => d.id)).toEqual(['a', 'b']);
    expect(first.body.documents[0]).toEqual({
      id: 'a',
      title: 'Doc a',
      source: null,
      chunks: 1,
      createdAt: expect.any(String),
    });
    expect(first.body.next).toBe('b');
    const rest = await request(svc.app)
      .get(`/v1/collections/listing/documents?limit=10&after=${first.body.next}`)
      .set(svc.auth('read'));
    expect(rest.body).toEqual({ documents: expect.any(Array) });
    expect(rest.body.documents.map((d: { id: string }) => d.id)).toEqual(['c', 'd', 'e']);
  });

  it('answers the listing’s bad input with 422 and an unknown collection with 404', async () => {
    const tooMany = await request(svc.app)
      .get('/v1/collections/listing/documents?limit=501')
      .set(svc.auth('read'));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors[0].path).toBe('limit');
    const notNumber = await request(svc.app)
      .get('/v1/collections/listing/documents?limit=ten')
      .set(svc.auth('read'));
    expect(notNumber.status).toBe(422);
    const unknown = await request(svc.app).get('/v1/collections/nowhere/documents').set(svc.auth('read'));
    expect(unknown.status).toBe(404);
    expect((await request(svc.app).get('/v1/collections/listing/documents')).status).toBe(401);
  });

  it('documents both new endpoints in /openapi.json', async () => {
    const { body } = await request(svc.app).get('/openapi.json');
    expect(body.paths['/v1/keys/me'].get).toBeDefined();
    expect(
      body.paths['/v1/collections/{name}/documents'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['name', 'limit', 'after']));
  });
});
