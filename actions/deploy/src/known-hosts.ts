// known_hosts parsing and host-key checking. The deploy never trusts on first use: the host key the
// server presents must equal one pinned in the `known-hosts` input, for that host and port, or the
// connection is dropped before authentication (so before any command can run).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  /** Host patterns as written (plain names, `[host]:port`, or one hashed `|1|salt|hash` entry). */
  patterns: string[];
  keyType: string;
  /** The public key blob (what the server sends during key exchange). */
  key: Buffer;
}

const markerLine = /^@(cert-authority|revoked)\s/;

/** Parses known_hosts text; comments, blank lines and @cert-authority/@revoked lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || markerLine.test(line)) continue;
    const [hosts, keyType, keyBase64] = line.split(/\s+/);
    if (!hosts || !keyType || !keyBase64) throw new Error(`malformed known_hosts line: ${line.slice(0, 80)}`);
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) throw new Error(`known_hosts line has no key: ${line.slice(0, 80)}`);
    entries.push({ patterns: hosts.split(','), keyType, key });
  }
  return entries;
}

/** The name a host is recorded under: `host` for port 22, `[host]:port` otherwise (as ssh-keyscan writes). */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hashedPatternMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|')) return hashedPatternMatches(pattern, name);
  // Wildcards and negations are deliberately not supported: a pinned host is named exactly.
  return pattern === name;
}

/** Entries that apply to host:port. */
export function entriesForHost(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostName(host, port);
  return entries.filter((entry) => entry.patterns.some((pattern) => patternMatches(pattern, name)));
}

/** True when the presented key blob equals one pinned for host:port. */
export function isHostKeyPinned(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  presented: Buffer,
): boolean {
  return entriesForHost(entries, host, port).some(
    (entry) => entry.key.length === presented.length && timingSafeEqual(entry.key, presented),
  );
}
