// A URL list's documents. Each line is one http(s) URL (blank lines and lines starting with # are ignored).
// Each URL is fetched without credentials, within a time limit and a size cap, and must be of a type the
// service ingests (HTML, Markdown, plain text). A URL that cannot be fetched is a failed document; the
// others still go.
import type { CollectedDocuments } from './read-folder.js';
import type { DocumentResult } from './send-documents.js';
import { documentFromUrl, formatOfResponse, type SourceDocument } from './source-documents.js';

export interface UrlLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** Pure: the URLs of a list, in order, each once; lines that are not http(s) URLs are failed results. */
export function parseUrlList(text: string): { urls: URL[]; results: DocumentResult[] } {
  const urls: URL[] = [];
  const results: DocumentResult[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let url: URL | undefined;
    try {
      url = new URL(line);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      results.push({ source: line, outcome: 'failed', reason: 'not an http(s) URL' });
    } else if (url.username || url.password) {
      results.push({ source: line, outcome: 'failed', reason: 'URLs with credentials are refused' });
    } else if (!seen.has(url.href)) {
      seen.add(url.href);
      urls.push(url);
    }
  }
  return { urls, results };
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel();
    return declared > maxBytes ? undefined : new Uint8Array();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** One URL's document, or why it has none. */
export async function fetchUrlDocument(
  url: URL,
  limits: UrlLimits,
): Promise<{ document: SourceDocument } | { result: DocumentResult }> {
  const fail = (reason: string) => ({ result: { source: url.href, outcome: 'failed' as const, reason } });
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: 'follow',
      credentials: 'omit',
      headers: { accept: 'text/html, text/markdown, text/plain;q=0.9' },
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return fail(
      timedOut ? `no answer within ${limits.timeoutMs / 1000} s` : `fetch failed: ${String(error)}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    return fail(`fetch answered ${response.status} ${response.statusText}`.trim());
  }
  const contentType = response.headers.get('content-type') ?? undefined;
  const format = formatOfResponse(new URL(response.url || url.href), contentType);
  if (!format) {
    await response.body?.cancel();
    return fail(`content type ${contentType} is not HTML, Markdown or plain text`);
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readCapped(response, limits.maxBytes);
  } catch (error) {
    return fail(`reading the body failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!bytes) return fail(`larger than ${limits.maxBytes} bytes (max-url-bytes)`);
  const text = new TextDecoder('utf-8').decode(bytes);
  if (text.trim() === '') return { result: { source: url.href, outcome: 'skipped', reason: 'empty body' } };
  return { document: documentFromUrl(url, text, format) };
}

/** Every URL of a list, fetched one after another (a list is small; the service is the bottleneck). */
export async function fetchUrlList(text: string, limits: UrlLimits): Promise<CollectedDocuments> {
  const { urls, results } = parseUrlList(text);
  const documents: SourceDocument[] = [];
  for (const url of urls) {
    const fetched = await fetchUrlDocument(url, limits);
    if ('document' in fetched) documents.push(fetched.document);
    else results.push(fetched.result);
  }
  return { documents, results };
}
