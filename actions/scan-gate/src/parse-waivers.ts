// Parses the waiver file: a YAML list (or `{ waivers: [...] }`) of
//   - id: CVE-2024-1234        # vulnerability id, required
//     package: openssl         # optional: only this package
//     reason: "why it is safe"  # required
//     expires: 2025-01-31      # required, YYYY-MM-DD (valid through that day, UTC)
import { parse } from 'yaml';

export interface Waiver {
  id: string;
  package?: string;
  reason: string;
  /** YYYY-MM-DD */
  expires: string;
}

export interface ParsedWaivers {
  waivers: Waiver[];
  errors: string[];
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(value: string): boolean {
  if (!isoDate.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function dateText(value: unknown): string {
  // YAML 1.2 (the `yaml` package's default) keeps 2025-01-31 a string; accept Date objects too.
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  return typeof value === 'string' ? value.trim() : '';
}

export function parseWaivers(text: string, source = 'waivers file'): ParsedWaivers {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { waivers: [], errors: [`${source}: invalid YAML: ${(error as Error).message}`] };
  }
  if (document === null || document === undefined) return { waivers: [], errors: [] };
  const list = Array.isArray(document)
    ? document
    : typeof document === 'object' && Array.isArray((document as { waivers?: unknown }).waivers)
      ? (document as { waivers: unknown[] }).waivers
      : undefined;
  if (!list) {
    return { waivers: [], errors: [`${source}: expected a list of waivers (or a "waivers:" list)`] };
  }
  const waivers: Waiver[] = [];
  const errors: string[] = [];
  list.forEach((entry, index) => {
    const where = `${source}: waiver #${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push(`${where}: expected a mapping with id, reason and expires`);
      return;
    }
    const record = entry as Record<string, unknown>;
    const id = typeof record.id === 'string' ? record.id.trim() : '';
    const reason = typeof record.reason === 'string' ? record.reason.trim() : '';
    const expires = dateText(record.expires);
    const problems: string[] = [];
    if (!id) problems.push('"id" is required');
    if (!reason) problems.push('"reason" is required');
    if (!expires) problems.push('"expires" is required (YYYY-MM-DD)');
    else if (!isRealDate(expires)) problems.push(`"expires" must be a date YYYY-MM-DD, got "${expires}"`);
    if (record.package !== undefined && (typeof record.package !== 'string' || !record.package.trim())) {
      problems.push('"package", when given, must be a non-empty string');
    }
    if (problems.length > 0) {
      errors.push(`${where}${id ? ` (${id})` : ''}: ${problems.join('; ')}`);
      return;
    }
    const waiver: Waiver = { id, reason, expires };
    if (typeof record.package === 'string') waiver.package = record.package.trim();
    waivers.push(waiver);
  });
  return { waivers, errors };
}

/** A waiver is valid through its expiry date (inclusive); `today` is YYYY-MM-DD in UTC. */
export function isWaiverExpired(waiver: Waiver, today: string): boolean {
  return waiver.expires < today;
}
