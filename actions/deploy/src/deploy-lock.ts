// The deploy lock's record and the decision taken on an existing lock (pure).

export interface LockRecord {
  id: string;
  owner: string;
  runUrl: string;
  command: string;
  image: string;
  acquiredAt: string;
}

export type LockDecision =
  | { kind: 'held'; holder: LockRecord; ageSeconds: number }
  | { kind: 'stale'; holder: LockRecord | null; ageSeconds: number };

export function parseLockRecord(text: string): LockRecord | null {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.id !== 'string' || typeof value.acquiredAt !== 'string') return null;
    return {
      id: value.id,
      owner: String(value.owner ?? 'unknown'),
      runUrl: String(value.runUrl ?? ''),
      command: String(value.command ?? ''),
      image: String(value.image ?? ''),
      acquiredAt: value.acquiredAt,
    };
  } catch {
    return null;
  }
}

/**
 * A lock younger than the TTL is held. An older one — or one whose record cannot be read (a deploy killed
 * between creating and writing it cannot happen with link(2), but a hand-edited file can) — is stale and
 * may be taken over, with a warning.
 */
export function decideOnExistingLock(text: string, now: Date, ttlSeconds: number): LockDecision {
  const holder = parseLockRecord(text);
  if (!holder) return { kind: 'stale', holder: null, ageSeconds: Number.POSITIVE_INFINITY };
  const acquired = Date.parse(holder.acquiredAt);
  const ageSeconds = Number.isFinite(acquired) ? Math.max(0, (now.getTime() - acquired) / 1000) : Infinity;
  return ageSeconds > ttlSeconds
    ? { kind: 'stale', holder, ageSeconds }
    : { kind: 'held', holder, ageSeconds };
}

export function describeHolder(holder: LockRecord): string {
  const run = holder.runUrl ? ` (${holder.runUrl})` : '';
  return `${holder.owner}${run}, ${holder.command} of ${holder.image || 'n/a'} since ${holder.acquiredAt}`;
}
