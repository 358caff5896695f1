import type { Pool } from 'pg';
import { inTransaction } from '../stores/postgres-pool.js';
import { displayPrefix, generateApiKey, hashApiKey, type Scope } from './api-key-format.js';
import type { Budget, BudgetPeriod } from './budget-window.js';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The key's budget, or null when it has none (unlimited but for the rate limit). */
  budget: Budget | null;
}

interface Row {
  id: string;
  name: string;
  key_prefix: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  budget_period: BudgetPeriod | null;
  requests_limit: string | null;
  tokens_limit: string | null;
}

const limit = (value: string | null) => (value === null ? null : Number(value));

const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.key_prefix,
  scopes: r.scopes,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  budget: r.budget_period
    ? { period: r.budget_period, requests: limit(r.requests_limit), tokens: limit(r.tokens_limit) }
    : null,
});

/** A key with its budget (if any): every read of a key goes through this. */
const keysWithBudgets = `SELECT k.*, b.period AS budget_period, b.requests_limit, b.tokens_limit
  FROM api_keys k LEFT JOIN api_key_budgets b ON b.api_key_id = k.id`;

/** API keys in Postgres. Keys are stored as HMAC hashes; the plaintext exists only in `create`'s return value. */
export class ApiKeyStore {
  /** Verified keys by hash, trusted until `until` (ms since the epoch); oldest first. */
  private readonly verified = new Map<string, { record: ApiKeyRecord; until: number }>();

  /**
   * `cacheMs`: how long a verified key is trusted without asking Postgres again — the bound within which a
   * key revoked by another process is refused when no change notification reaches this one (a revoke through
   * this store takes effect here at once; one elsewhere at once through `forgetVerified`, ADR 0015).
   * Unknown and revoked keys are never cached. 0 asks Postgres on every request.
   */
  constructor(
    private readonly db: Pool,
    private readonly pepper: string,
    private readonly cacheMs = 0,
    private readonly maxCached = 10_000,
  ) {}

  async create(
    name: string,
    keyScopes: Scope[],
    key = generateApiKey(),
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO api_keys (name, key_hash, key_prefix, scopes) VALUES ($1, $2, $3, $4)
       RETURNING *, NULL AS budget_period, NULL AS requests_limit, NULL AS tokens_limit`,
      [name, hashApiKey(key, this.pepper), displayPrefix(key), keyScopes],
    );
    return { key, record: toRecord(rows[0] as Row) };
  }

  /** The HMAC a plaintext key is stored and cached under (computed once per request by the caller). */
  hashOf(key: string): string {
    return hashApiKey(key, this.pepper);
  }

  /** The key verified under this hash within the trust window, from memory alone; else undefined. */
  trustedByHash(hash: string): ApiKeyRecord | undefined {
    const cached = this.verified.get(hash);
    return cached && Date.now() < cached.until ? cached.record : undefined;
  }

  /** Trusts no verified key until it is looked up again (a key changed: revoked, re-scoped, re-budgeted). */
  forgetVerified(): void {
    this.verified.clear();
  }

  /**
   * The active key matching this plaintext, or undefined: one indexed lookup, or none while a verified key is
   * cached (see `cacheMs`). last_used_at is stamped at most once a minute, without making the request wait.
   */
  async verify(key: string, hash = this.hashOf(key)): Promise<ApiKeyRecord | undefined> {
    const trusted = this.trustedByHash(hash);
    if (trusted) return trusted;
    const { rows } = await this.db.query<Row>(
      `${keysWithBudgets} WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    this.verified.delete(hash);
    if (!row) return undefined;
    if (this.cacheMs > 0) {
      if (this.verified.size >= this.maxCached) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(hash, { record: toRecord(row), until: Date.now() + this.cacheMs });
    }
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      this.db
        .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id])
        .catch(() => undefined); // best effort: a missed stamp is not worth failing a request
    }
    return toRecord(row);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<Row>(`${keysWithBudgets} ORDER BY k.created_at, k.id`);
    return rows.map(toRecord);
  }

  /** The active key with this id or displayed prefix, or undefined. */
  async find(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.db.query<Row>(
      `${keysWithBudgets} WHERE k.revoked_at IS NULL AND (k.id::text = $1 OR k.key_prefix = $1)
       ORDER BY k.created_at LIMIT 2`,
      [idOrPrefix],
    );
    return rows.length === 1 ? toRecord(rows[0] as Row) : undefined;
  }

  /**
   * Gives the active key `keyId` this budget (replacing any it had); null removes it. Returns the key, or
   * undefined when no active key has that id. Takes effect here at once and in other processes within
   * `cacheMs`; the usage already counted in the current window stays.
   */
  async setBudget(keyId: string, budget: Budget | null): Promise<ApiKeyRecord | undefined> {
    this.verified.clear();
    await inTransaction(this.db, async (client) => {
      const { rowCount } = await client.query(
        `SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR UPDATE`,
        [keyId],
      );
      if (!rowCount) return;
      if (budget === null) {
        await client.query(`DELETE FROM api_key_budgets WHERE api_key_id = $1`, [keyId]);
        return;
      }
      await client.query(
        `INSERT INTO api_key_budgets (api_key_id, period, requests_limit, tokens_limit) VALUES ($1, $2, $3, $4)
         ON CONFLICT (api_key_id) DO UPDATE SET period = EXCLUDED.period,
           requests_limit = EXCLUDED.requests_limit, tokens_limit = EXCLUDED.tokens_limit, updated_at = now()`,
        [keyId, budget.period, budget.requests, budget.tokens],
      );
    });
    this.verified.clear(); // a verify during the transaction may have cached the old budget
    const { rows } = await this.db.query<Row>(`${keysWithBudgets} WHERE k.id = $1 AND k.revoked_at IS NULL`, [
      keyId,
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Revokes by id or by displayed prefix; returns how many keys were revoked. */
  async revoke(idOrPrefix: string): Promise<number> {
    this.verified.clear();
    const { rowCount } = await this.db.query(
      `UPDATE api_keys SET revoked_at = now()
         WHERE revoked_at IS NULL AND (id::text = $1 OR key_prefix = $1)`,
      [idOrPrefix],
    );
    this.verified.clear(); // and again: a verify between the first clear and the commit may have cached it
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
