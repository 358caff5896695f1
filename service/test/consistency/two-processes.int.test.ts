import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ApiKeyStore } from '../../src/keys/api-key-store.js';
import { provideMigratedStores, type MigratedStores } from '../support/migrated-stores.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';

// Two service processes on the same Postgres, Chroma and Redis, as two colours or two replicas run. Each keeps
// its own in-memory keyword index, and in-process caches of verified keys and collection versions; Postgres is
// the only source of truth and tells every process what changed on commit (ADR 0015), so a committed write in
// one process is what the next search in the other answers. The caches' time bounds are set far beyond the
// tests' waits: only the change notifications can make these tests pass.
const KEY_CACHE_MS = 60_000;
const COLLECTION_CACHE_MS = 600_000;
/** How soon a change made elsewhere must be seen: a notification's delivery, not a cache's expiry. */
const NOTIFIED_WITHIN_MS = 1000;
const PEPPER = `pepper-${randomBytes(16).toString('hex')}`;

describe('two service processes on the same stores', () => {
  let stores: MigratedStores;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const adminKey = `test_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    stores = await provideMigratedStores({ redis: true });
    const env = {
      ...stores.env,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      RATE_LIMIT_PER_MINUTE: '100000',
      API_KEY_CACHE_MS: String(KEY_CACHE_MS),
      COLLECTION_CACHE_MS: String(COLLECTION_CACHE_MS),
      API_KEY_PEPPER: PEPPER,
    };
    a = await startServiceProcess(env);
    b = await startServiceProcess(env);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await stores?.stop();
  });

  const call = (service: ServiceProcess, method: string, path: string, body?: unknown) =>
    service.callJson(method, path, adminKey, body);
  const ingest = (service: ServiceProcess, collection: string, id: string, text: string) =>
    call(service, 'POST', `/v1/collections/${collection}/documents`, { id, text });
  const search = async (service: ServiceProcess, collection: string, query: string, mode = 'keyword') => {
    const res = await call(service, 'POST', `/v1/collections/${collection}/search`, {
      query,
      mode,
      topK: 10,
    });
    expect(res.status).toBe(200);
    return (res.body.results as { documentId: string; chunkId: string; score: number }[]).map((r) => ({
      documentId: r.documentId,
      chunkId: r.chunkId,
    }));
  };
  /** Keyword searches this process answered from its in-memory index (its /metrics, loopback allowed). */
  const memorySearches = async (service: ServiceProcess): Promise<number> => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const match = /^slipway_keyword_searches_total\{path="memory"\} (\S+)$/m.exec(text);
    return match ? Number(match[1]) : 0;
  };
  /** Searches until `service` answers from a current in-memory index (it builds in the background). */
  const untilServedFromMemory = async (service: ServiceProcess, collection: string, query: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const before = await memorySearches(service);
      const results = await search(service, collection, `${query} ${randomBytes(3).toString('hex')}`);
      if ((await memorySearches(service)) > before) return results;
      if (Date.now() > deadline) throw new Error('the in-memory index never became current');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('an ingest in one process is found by the next search in the other, and both agree', async () => {
    expect((await call(a, 'POST', '/v1/collections', { name: 'shared' })).status).toBe(201);
    expect((await ingest(a, 'shared', 'wing', 'Supersonic wing flutter at high Mach numbers.')).status).toBe(
      201,
    );
    expect((await search(b, 'shared', 'wing flutter')).map((r) => r.documentId)).toEqual(['wing']);

    // B now serves from its index at this version; an ingest in A moves the version
    await untilServedFromMemory(b, 'shared', 'flutter');
    expect((await ingest(a, 'shared', 'nozzle', 'Nozzle flow and boundary layer separation.')).status).toBe(
      201,
    );
    expect((await search(b, 'shared', 'nozzle separation')).map((r) => r.documentId)).toEqual(['nozzle']);

    // once both processes serve the new version from memory, they return the same ranking
    await untilServedFromMemory(a, 'shared', 'flow');
    await untilServedFromMemory(b, 'shared', 'flow');
    const query = 'boundary layer flow over a supersonic wing';
    expect(await search(b, 'shared', query)).toEqual(await search(a, 'shared', query));
    expect(await search(b, 'shared', query, 'hybrid')).toEqual(await search(a, 'shared', query, 'hybrid'));

    // a delete in A is seen by B's next search
    expect((await call(a, 'DELETE', '/v1/collections/shared/documents/nozzle')).status).toBe(204);
    expect((await search(b, 'shared', 'nozzle separation')).map((r) => r.documentId)).toEqual([]);
  });

  it('a collection deleted and recreated never serves its old chunks', async () => {
    expect((await call(a, 'POST', '/v1/collections', { name: 'reborn' })).status).toBe(201);
    expect((await ingest(a, 'reborn', 'old', 'Heat transfer in laminar hypersonic flow.')).status).toBe(201);
    const old = await untilServedFromMemory(b, 'reborn', 'hypersonic heat transfer');
    expect(old.map((r) => r.documentId)).toEqual(['old']);

    expect((await call(a, 'DELETE', '/v1/collections/reborn')).status).toBe(204);
    expect((await call(a, 'POST', '/v1/collections', { name: 'reborn' })).status).toBe(201);
    for (const mode of ['keyword', 'hybrid', 'vector']) {
      expect(await search(b, 'reborn', 'hypersonic heat transfer', mode)).toEqual([]);
    }
    expect(
      (await ingest(a, 'reborn', 'new', 'Heat transfer to a blunt body in hypersonic flow.')).status,
    ).toBe(201);
    const fresh = await untilServedFromMemory(b, 'reborn', 'hypersonic heat transfer');
    expect(fresh.map((r) => r.documentId)).toEqual(['new']);
    for (const mode of ['keyword', 'hybrid', 'vector']) {
      const ids = (await search(b, 'reborn', 'hypersonic heat transfer laminar', mode)).map(
        (r) => r.documentId,
      );
      expect(ids).toEqual(['new']);
    }
  });

  it('a document replaced through one process is served with its new text by the other', async () => {
    // B keeps the chunk records it hydrates (text, offsets) per collection version; the replacement reuses
    // the chunk id (`document#0`) with new text, so only the version tells the two apart
    expect((await call(a, 'POST', '/v1/collections', { name: 'replaced' })).status).toBe(201);
    expect((await ingest(a, 'replaced', 'page', 'Shock waves on a cone at supersonic speed.')).status).toBe(
      201,
    );
    const texts = async (query: string) => {
      const res = await call(b, 'POST', '/v1/collections/replaced/search', { query, mode: 'keyword' });
      expect(res.status).toBe(200);
      return (res.body.results as { chunkId: string; text: string }[]).map((r) => `${r.chunkId}: ${r.text}`);
    };
    await untilServedFromMemory(b, 'replaced', 'cone shock');
    expect(await texts('supersonic cone')).toEqual(['page#0: Shock waves on a cone at supersonic speed.']);

    expect((await call(a, 'DELETE', '/v1/collections/replaced/documents/page')).status).toBe(204);
    expect((await ingest(a, 'replaced', 'page', 'Cone drag at supersonic speed, measured.')).status).toBe(
      201,
    );
    expect(await texts('supersonic cone')).toEqual(['page#0: Cone drag at supersonic speed, measured.']);
    await untilServedFromMemory(b, 'replaced', 'cone drag');
    expect(await texts('supersonic cone')).toEqual(['page#0: Cone drag at supersonic speed, measured.']);
  });

  it('a key revoked elsewhere is refused by both processes at once, far inside API_KEY_CACHE_MS', async () => {
    const pool = new pg.Pool({ connectionString: stores.postgres.url, max: 1 });
    try {
      const { key, record } = await new ApiKeyStore(pool, PEPPER).create('reader', ['read']);
      const list = (service: ServiceProcess) =>
        fetch(`${service.url}/v1/collections`, { headers: { authorization: `Bearer ${key}` } }).then(
          (r) => r.status,
        );
      expect(await list(a)).toBe(200);
      expect(await list(b)).toBe(200); // b now trusts its verification for up to KEY_CACHE_MS
      // revoked as `keys revoke` does: another process's store
      expect(await new ApiKeyStore(pool, PEPPER).revoke(record.id)).toBe(1);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < NOTIFIED_WITHIN_MS) status = await list(b);
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(NOTIFIED_WITHIN_MS);
      expect(await list(a)).toBe(401);
    } finally {
      await pool.end();
    }
  });

  /**
   * The listeners' Postgres sessions on this test's database (one per service process); the server is shared
   * with other test files, each on a database of its own.
   */
  const listeners = async (pool: pg.Pool) =>
    Number(
      (
        await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE application_name = 'slipway-listener' AND datname = current_database()`,
        )
      ).rows[0]?.n,
    );
  const untilSeen = async (probe: () => Promise<boolean>, withinMs: number) => {
    const started = Date.now();
    while (!(await probe())) {
      if (Date.now() - started > withinMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  };

  /** Rewrites a collection's chunk texts behind the service's back, with the version bump every writer makes. */
  const rewriteOutside = async (pool: pg.Pool, collection: string, text: string) => {
    await pool.query(
      `UPDATE chunks SET text = $2 FROM collections c WHERE c.name = $1 AND chunks.collection_id = c.id`,
      [collection, text],
    );
    await pool.query(`UPDATE collections SET version = version + 1 WHERE name = $1`, [collection]);
  };
  const firstText = async (service: ServiceProcess, collection: string, query: string) =>
    (
      (await call(service, 'POST', `/v1/collections/${collection}/search`, { query, mode: 'keyword' })).body
        .results as { text: string }[]
    )[0]?.text;

  it('a change made outside the service (plain SQL, as a restore or the CLI writes) is seen at once', async () => {
    expect((await call(a, 'POST', '/v1/collections', { name: 'outside' })).status).toBe(201);
    expect((await ingest(a, 'outside', 'jet', 'Jet noise from a supersonic nozzle.')).status).toBe(201);
    await untilServedFromMemory(b, 'outside', 'jet noise');
    const pool = new pg.Pool({ connectionString: stores.postgres.url, max: 1 });
    try {
      await rewriteOutside(pool, 'outside', 'Jet noise, rewritten.');
      const seen = await untilSeen(
        async () => (await firstText(b, 'outside', 'jet noise')) === 'Jet noise, rewritten.',
        NOTIFIED_WITHIN_MS,
      );
      expect(seen).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('a process that could not hear a change does not trust what it cached before, once it hears again', async () => {
    expect((await call(a, 'POST', '/v1/collections', { name: 'deaf' })).status).toBe(201);
    expect((await ingest(a, 'deaf', 'cone', 'Pressure on a cone at incidence.')).status).toBe(201);
    await untilServedFromMemory(b, 'deaf', 'cone pressure');
    const pool = new pg.Pool({ connectionString: stores.postgres.url, max: 1 });
    try {
      expect(await listeners(pool)).toBe(2);
      // cut both listeners, then change the collection while no one can be told
      await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'slipway-listener' AND datname = current_database()`,
      );
      await rewriteOutside(pool, 'deaf', 'Pressure on a cone, changed while unheard.');
      // both processes listen again within a few seconds (and say so); the change itself was never notified
      expect(await untilSeen(async () => (await listeners(pool)) === 2, 10_000)).toBe(true);
      const listening = async (service: ServiceProcess) =>
        /^slipway_change_notifications_listening 1$/m.test(
          await (await fetch(`${service.url}/metrics`)).text(),
        );
      expect(await untilSeen(async () => (await listening(a)) && (await listening(b)), 2000)).toBe(true);
      expect(await firstText(b, 'deaf', 'cone pressure')).toBe('Pressure on a cone, changed while unheard.');
      // and changes are notified again
      await rewriteOutside(pool, 'deaf', 'Pressure on a cone, changed while heard.');
      const seen = await untilSeen(
        async () =>
          (await firstText(b, 'deaf', 'cone pressure')) === 'Pressure on a cone, changed while heard.',
        NOTIFIED_WITHIN_MS,
      );
      expect(seen).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
