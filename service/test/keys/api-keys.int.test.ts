import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { keysCommand } from '../../src/cli/keys.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/service-under-test.js';

// verified keys are trusted this long without asking Postgres (API_KEY_CACHE_MS)
const CACHE_MS = 500;

describe('API keys', () => {
  let svc: ServiceUnderTest;
  let db: pg.Client;
  beforeAll(async () => {
    svc = await startServiceUnderTest({
      BOOTSTRAP_ADMIN_KEY: 'bootstrap-admin-key-0123456789abcdef',
      API_KEY_CACHE_MS: String(CACHE_MS),
    });
    db = new pg.Client({ connectionString: svc.postgres.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
  });

  it('stores no plaintext key anywhere in api_keys', async () => {
    const { rows } = await db.query('SELECT * FROM api_keys');
    const dump = JSON.stringify(rows);
    for (const key of [...Object.values(svc.keys), 'bootstrap-admin-key-0123456789abcdef']) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(key.slice(10)); // not even the secret part
    }
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
  });

  it('stores BOOTSTRAP_ADMIN_KEY hashed as the first admin key, and only once', async () => {
    const res = await request(svc.app)
      .post('/v1/collections')
      .set('Authorization', 'Bearer bootstrap-admin-key-0123456789abcdef')
      .send({ name: 'boot' });
    expect(res.status).toBe(201);
    expect(await svc.runtime.deps.keys.bootstrapAdmin('another-bootstrap-key-0123456789')).toBe(false);
  });

  it('creates, lists and revokes keys from the CLI; a revoked key stops working within API_KEY_CACHE_MS', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const console = {
      log: (s: string) => out.push(s),
      error: (s: string) => err.push(s),
    } as unknown as Console;
    const env = { DATABASE_URL: svc.postgres.url };

    expect(
      await keysCommand(['create', '--name', 'ci-bot', '--scopes', 'read,ingest', '--json'], env, console),
    ).toBe(0);
    const created = JSON.parse(out.pop() as string) as { key: string; id: string; scopes: string[] };
    expect(created.key).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    expect(created.scopes).toEqual(['read', 'ingest']);

    const ok = await request(svc.app).get('/v1/collections').set('Authorization', `Bearer ${created.key}`);
    expect(ok.status).toBe(200);
    // last use is stamped (in the background)
    let stamped = null;
    for (let i = 0; i < 20 && !stamped; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stamped = (await db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [created.id])).rows[0]
        .last_used_at;
    }
    expect(stamped).toBeInstanceOf(Date);

    expect(await keysCommand(['list'], env, console)).toBe(0);
    expect(out.join('\n')).toContain('ci-bot');
    expect(out.join('\n')).not.toContain(created.key);

    expect(await keysCommand(['revoke', created.id], env, console)).toBe(0);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < CACHE_MS + 2000) {
      status = (await request(svc.app).get('/v1/collections').set('Authorization', `Bearer ${created.key}`))
        .status;
    }
    expect(status).toBe(401);
    // the CLI is another process's store: the service trusted its cached verification for at most CACHE_MS
    expect(Date.now() - revokedAt).toBeLessThan(CACHE_MS + 2000);
    expect(await keysCommand(['revoke', created.id], env, console)).toBe(1);

    expect(await keysCommand(['create', '--name', 'x', '--scopes', 'root'], env, console)).toBe(2);
    expect(err.join('\n')).toContain('unknown scope(s): root');
  });
});
