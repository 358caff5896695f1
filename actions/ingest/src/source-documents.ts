// Pure: what the action sends for a file or a fetched URL. Ids follow the ingest CLI's rule (the path
// relative to the folder, characters the API refuses turned into "-"), so the CLI and the action name the
// same file the same way and a re-run is recognised as a duplicate, not a conflict.
import { createHash } from 'node:crypto';

export type DocumentFormat = 'text' | 'markdown' | 'html';

/** One document as POST /v1/collections/{name}/documents takes it. */
export interface SourceDocument {
  id: string;
  source: string;
  text: string;
  format: DocumentFormat;
}

/** File types the service ingests (the same list as `npm run ingest`). */
export const INGESTIBLE_EXTENSIONS: readonly string[] = ['.txt', '.md', '.markdown', '.html', '.htm'];

const MAX_ID_LENGTH = 128;

/** The format a file or URL path suggests (.md/.markdown → markdown, .html/.htm → html, else text). */
export function formatFromName(name: string): DocumentFormat {
  const lower = name.toLowerCase();
  if (/\.(md|markdown|mdx)$/.test(lower)) return 'markdown';
  if (/\.(html?|xhtml)$/.test(lower)) return 'html';
  return 'text';
}

/** True for the file names the action ingests from a folder. */
export function isIngestibleName(name: string): boolean {
  const lower = name.toLowerCase();
  return INGESTIBLE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** The CLI's id rule: runs of characters outside [A-Za-z0-9._:-] become "-", at most 128 characters. */
export function documentIdOf(name: string): string {
  return name.replace(/[^A-Za-z0-9._:-]+/g, '-').slice(0, MAX_ID_LENGTH);
}

/** A file's document: `relativePath` uses "/" and is relative to the ingested folder. */
export function documentFromFile(relativePath: string, content: string): SourceDocument {
  return {
    id: documentIdOf(relativePath),
    source: relativePath,
    text: content,
    format: formatFromName(relativePath),
  };
}

/**
 * A URL's id: host and path (and query) in the CLI's id rule. One longer than an id may be keeps its start
 * and ends in a hash of the whole URL, so two long URLs that share a prefix still get two ids.
 */
export function documentIdOfUrl(url: URL): string {
  const readable = `${url.host}${url.pathname}${url.search}`
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/-+$/, '');
  if (readable.length <= MAX_ID_LENGTH) return readable;
  const hash = createHash('sha256').update(url.href).digest('hex').slice(0, 16);
  return `${readable.slice(0, MAX_ID_LENGTH - hash.length - 1)}-${hash}`;
}

/**
 * The format of a fetched URL: its Content-Type when that names one the service reads, else the path's
 * extension when the type is generic (text/plain, application/octet-stream or none). Undefined when the
 * content is of a type the service does not ingest (a PDF, an image, JSON, …).
 */
export function formatOfResponse(url: URL, contentType: string | undefined): DocumentFormat | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'text/markdown' || type === 'text/x-markdown') return 'markdown';
  if (type === 'text/plain') return formatFromName(url.pathname);
  if (type === '' || type === 'application/octet-stream') {
    return isIngestibleName(url.pathname) ? formatFromName(url.pathname) : undefined;
  }
  return undefined;
}

/** A fetched URL's document: the URL is its source. */
export function documentFromUrl(url: URL, content: string, format: DocumentFormat): SourceDocument {
  return { id: documentIdOfUrl(url), source: url.href, text: content, format };
}
