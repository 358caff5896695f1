import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

/** ≥ 1,000 random bodies and headers at the collections endpoints: never a 5xx, always a well-formed answer. */
describe('collections endpoints under random input', () => {
  let svc: ServiceUnderTest;
  beforeAll(async () => {
    svc = await startServiceUnderTest({ MAX_BODY_BYTES: '4096' });
  });
  afterAll(async () => svc?.stop());

  const jsonValue = fc.jsonValue({ maxDepth: 3 });
  const body = fc.oneof(
    jsonValue.map((v) => JSON.stringify(v)),
    fc
      .record({ name: fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,62}$/), jsonValue) })
      .map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/merge-patch+json',
    '',
  );
  const auth = fc.constantFrom('admin', 'ingest', 'read', 'none', 'garbage', 'empty-bearer');
  const route = fc.oneof(
    fc.constant({ method: 'post', path: '/v1/collections' }),
    fc.constant({ method: 'get', path: '/v1/collections' }),
    fc
      .string({ maxLength: 80 })
      .map((name) => ({ method: 'delete', path: `/v1/collections/${encodeURIComponent(name)}` })),
  );
  const requestId = fc.option(fc.string({ maxLength: 200 }), { nil: undefined });

  it('never answers 5xx and always answers JSON', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(route, body, contentType, auth, requestId, async (r, payload, type, who, rid) => {
        count++;
        let req =
          r.method === 'post'
            ? request(svc.app).post(r.path)
            : r.method === 'get'
              ? request(svc.app).get(r.path)
              : request(svc.app).delete(r.path);
        if (who === 'admin' || who === 'ingest' || who === 'read') req = req.set(svc.auth(who));
        else if (who === 'garbage')
          req = req.set('Authorization', `Bearer ${payload.slice(0, 40).replace(/[^\x21-\x7e]/g, 'x')}x`);
        else if (who === 'empty-bearer') req = req.set('Authorization', 'Bearer ');
        if (rid !== undefined) req = req.set('x-request-id', rid.replace(/[^\x20-\x7e]/g, ''));
        if (type) req = req.set('Content-Type', type);
        const res = r.method === 'get' ? await req : await req.send(payload);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type'] ?? 'application/json').toMatch(/json/);
        if (res.status >= 400) expect(res.body.status).toBe(res.status);
      }),
      { numRuns: 1000 },
    );
    expect(count).toBeGreaterThanOrEqual(1000);
    // and the service is still healthy afterwards
    expect((await request(svc.app).get('/health/ready')).status).toBe(200);
  }, 180_000);
});
