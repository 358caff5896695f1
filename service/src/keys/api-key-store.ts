import type { Pool } from 'pg';
import { inTransaction } from '../stores/postgres-pool.js';
import { displayPrefix, generateApiKey, hashApiKey, type Scope } from './api-key-format.js';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface Row {
  id: string;
  name: string;
  key_prefix: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.key_prefix,
  scopes: r.scopes,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** API keys in Postgres. Keys are stored as HMAC hashes; the plaintext exists only in `create`'s return value. */
export class ApiKeyStore {
  constructor(
    private readonly db: Pool,
    private readonly pepper: string,
  ) {}

  async create(
    name: string,
    keyScopes: Scope[],
    key = generateApiKey(),
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO api_keys (name, key_hash, key_prefix, scopes) VALUES ($1, $2, $3, $4) RETURNING *`,
      [name, hashApiKey(key, this.pepper), displayPrefix(key), keyScopes],
    );
    return { key, record: toRecord(rows[0] as Row) };
  }

  /**
   * The active key matching this plaintext, or undefined: one indexed lookup per request. last_used_at is
   * stamped at most once a minute, without making the request wait for it.
   */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashApiKey(key, this.pepper)],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      this.db
        .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id])
        .catch(() => undefined); // best effort: a missed stamp is not worth failing a request
    }
    return toRecord(row);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM api_keys ORDER BY created_at, id`);
    return rows.map(toRecord);
  }

  /** Revokes by id or by displayed prefix; returns how many keys were revoked. */
  async revoke(idOrPrefix: string): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE api_keys SET revoked_at = now()
         WHERE revoked_at IS NULL AND (id::text = $1 OR key_prefix = $1)`,
      [idOrPrefix],
    );
    return rowCount ?? 0;
  }

  /** Stores BOOTSTRAP_ADMIN_KEY (hashed) when no active admin key exists. Returns true when it did. */
  async bootstrapAdmin(key: string): Promise<boolean> {
    return inTransaction(this.db, async (client) => {
      // serialise concurrent starts of several instances
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('slipway:bootstrap-admin'))`);
      const existing = await client.query(
        `SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY (scopes) LIMIT 1`,
      );
      if (existing.rowCount) return false;
      const inserted = await client.query(
        `INSERT INTO api_keys (name, key_hash, key_prefix, scopes) VALUES ('bootstrap-admin', $1, $2, ARRAY['admin'])
         ON CONFLICT (key_hash) DO NOTHING`,
        [hashApiKey(key, this.pepper), displayPrefix(key)],
      );
      return (inserted.rowCount ?? 0) > 0;
    });
  }
}
