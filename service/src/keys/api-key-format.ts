import { createHmac, randomBytes } from 'node:crypto';

export const scopes = ['read', 'ingest', 'admin'] as const;
export type Scope = (typeof scopes)[number];

const KEY_PREFIX = 'slw_';

/** A new random API key: `slw_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** HMAC-SHA256 of the key with the server pepper, hex. Only this is stored. */
export function hashApiKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, 10);
}

/** admin ⊇ ingest ⊇ read. */
const rank: Record<Scope, number> = { read: 1, ingest: 2, admin: 3 };

export function scopeSatisfies(granted: readonly string[], required: Scope): boolean {
  return granted.some((s) => (s in rank ? rank[s as Scope] >= rank[required] : false));
}

/** Parses `Authorization: Bearer <key>`; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
