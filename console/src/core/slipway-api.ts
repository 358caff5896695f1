import { explainProblem, parseRetryAfter, unreachableMessage, type ProblemBody } from './explain-problem.js';
import { readEventStream } from './read-event-stream.js';

export interface Collection {
  name: string;
  documents: number;
  chunks: number;
}
export interface DocumentSummary {
  id: string;
  title: string | null;
  source: string | null;
  chunks: number;
  createdAt: string;
}
export interface StoredDocument extends DocumentSummary {
  text: string;
}
export interface SearchResult {
  documentId: string;
  chunkId: string;
  title: string | null;
  source: string | null;
  text: string;
  score: number;
  span: { start: number; end: number };
}
export interface Citation {
  documentId: string;
  chunkId: string;
  start: number;
  end: number;
  quote: string;
  /** The `[n]` in the answer text that cites this span. */
  marker: number;
}
export interface DocumentInput {
  title?: string;
  text: string;
  source?: string;
  format?: 'markdown' | 'html' | 'text';
}
export type SearchMode = 'hybrid' | 'keyword' | 'vector' | 'mmr';
export type AnswerEvent =
  | { type: 'token'; text: string }
  | {
      type: 'citations';
      citations: Citation[];
      mode: string;
      cached: boolean;
      degraded?: string[];
      fallbackReason?: string;
    }
  | { type: 'error'; message: string };

/** A failed call, already explained in words; `status` 0 means the service could not be reached. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** How many documents the console lists (the API pages by id; the console shows the first page). */
export const DOCUMENT_PAGE = 200;

const path = (...parts: string[]) => `/v1/${parts.map(encodeURIComponent).join('/')}`;

/**
 * The console's only way to the service: the public v1 API with a Bearer key, nothing private. Every
 * failure becomes an ApiFailure whose message comes from the problem+json body.
 */
export class SlipwayApi {
  constructor(
    private readonly key: string,
    private readonly base = '',
  ) {}

  private async send(method: string, url: string, body?: unknown, accept = 'application/json') {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}`, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.base + url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiFailure(0, unreachableMessage);
    }
    if (response.ok) return response;
    const problem = (await response.json().catch(() => undefined)) as ProblemBody | undefined;
    const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
    throw new ApiFailure(
      response.status,
      explainProblem({ status: response.status, problem, retryAfterSeconds }),
      retryAfterSeconds,
    );
  }

  private async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, url, body)).json()) as T;
  }

  me() {
    return this.json<{ scopes: string[] }>('GET', '/v1/keys/me');
  }
  async collections() {
    return (await this.json<{ collections: Collection[] }>('GET', path('collections'))).collections;
  }
  createCollection(name: string) {
    return this.json<Collection>('POST', path('collections'), { name });
  }
  /** The first page of a collection's documents; `more` when the collection holds more than the page. */
  async documents(collection: string) {
    const url = `${path('collections', collection, 'documents')}?limit=${DOCUMENT_PAGE}`;
    const page = await this.json<{ documents: DocumentSummary[]; next?: string }>('GET', url);
    return { documents: page.documents, more: page.next !== undefined };
  }
  document(collection: string, id: string) {
    return this.json<StoredDocument>('GET', path('collections', collection, 'documents', id));
  }
  async deleteDocument(collection: string, id: string) {
    await this.send('DELETE', path('collections', collection, 'documents', id));
  }
  async ingest(collection: string, documents: DocumentInput[]) {
    const url = path('collections', collection, 'documents');
    return (
      await this.json<{ documents: { id: string; chunks: number; duplicate: boolean }[] }>('POST', url, {
        documents,
      })
    ).documents;
  }
  search(collection: string, query: string, mode: SearchMode, topK = 10) {
    const body =
      mode === 'mmr' ? { query, topK, mode: 'hybrid', mmr: { lambda: 0.5 } } : { query, topK, mode };
    return this.json<{ results: SearchResult[]; degraded?: string[] }>(
      'POST',
      path('collections', collection, 'search'),
      body,
    );
  }

  /** Asks a question and yields the answer as it streams: tokens, then one `citations` event. */
  async *ask(collection: string, question: string): AsyncGenerator<AnswerEvent> {
    const url = path('collections', collection, 'answer');
    const response = await this.send('POST', url, { question }, 'text/event-stream');
    if (!response.body) throw new ApiFailure(0, unreachableMessage);
    for await (const { event, data } of readEventStream(response.body)) {
      const payload = JSON.parse(data) as Record<string, unknown>;
      if (event === 'token') yield { type: 'token', text: String(payload.text ?? '') };
      else if (event === 'citations') yield { type: 'citations', ...(payload as object) } as AnswerEvent;
      else if (event === 'error')
        yield { type: 'error', message: 'The answer broke off before it was complete. Ask again.' };
    }
  }
}
