/** What a key may do in the console, from its scopes (admin ⊇ ingest ⊇ read, as the service decides). */
export interface KeyAbilities {
  /** List collections and documents, search, ask. */
  read: boolean;
  /** Upload, paste and delete documents. */
  ingest: boolean;
  /** Create collections. */
  admin: boolean;
}

const rank: Record<string, number> = { read: 1, ingest: 2, admin: 3 };

/** Pure: the console shows only the controls these abilities allow. */
export function abilitiesOf(scopes: readonly string[]): KeyAbilities {
  const highest = Math.max(0, ...scopes.map((s) => rank[s] ?? 0));
  return { read: highest >= 1, ingest: highest >= 2, admin: highest >= 3 };
}
