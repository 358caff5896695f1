import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ChromaClient, ChromaNotFoundError, type Collection, type Metadata } from 'chromadb';
import { AppError, DEPENDENCY_RETRY_AFTER_SECONDS } from '../errors/app-error.js';

/** Thrown when Chroma cannot be reached or answers with a server error. */
export class ChromaUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(503, 'dependency-unavailable', 'The vector store is unavailable; try again shortly.', undefined, {
      'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS),
    });
    this.cause = cause;
  }
}

/**
 * The service's only door to Chroma. Vectors are always supplied by Slipway (no Chroma embedding
 * function); collections use cosine space. Every call has a deadline so a hung Chroma cannot hold
 * requests forever.
 */
export interface ChromaRecords {
  ids: string[];
  embeddings: number[][];
  metadatas: Metadata[];
}

/** Pure: a vector as Chroma's base64 wire form — its float32 values, little-endian, base64-encoded. */
export function base64Float32(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  if (!LITTLE_ENDIAN) bytes.swap32();
  return bytes.toString('base64');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The nearest records to one query vector: ids, cosine distances, and the stored vectors when asked. */
export interface NearestRecords {
  ids: string[];
  distances: number[];
  embeddings?: number[][];
}

interface QueryResponse {
  ids?: string[][];
  distances?: (number | null)[][] | null;
  embeddings?: number[][][] | null;
}

export class ChromaGateway {
  private readonly client: ChromaClient;
  private readonly handles = new Map<string, Collection>();
  private readonly base: URL;
  /** Keep-alive connections for the calls made here (add, query), apart from the client's own. */
  private readonly agent: HttpAgent;

  constructor(
    url: string,
    readonly collectionPrefix: string,
    private readonly timeoutMs = 5000,
  ) {
    this.base = new URL(url);
    const ssl = this.base.protocol === 'https:';
    this.client = new ChromaClient({
      host: this.base.hostname,
      port: Number(this.base.port || (ssl ? 443 : 80)),
      ssl,
    });
    this.agent = ssl ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  chromaName(collectionId: string): string {
    // Chroma names are limited to 63 characters: prefix (≤ 30) + the row id without dashes (32)
    return `${this.collectionPrefix}${collectionId.replace(/-/g, '')}`;
  }

  async heartbeat(): Promise<void> {
    await this.call(() => this.client.heartbeat());
  }

  async createCollection(collectionId: string): Promise<Collection> {
    const name = this.chromaName(collectionId);
    const collection = await this.call(() =>
      this.client.getOrCreateCollection({
        name,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
      }),
    );
    this.handles.set(name, collection);
    return collection;
  }

  async collection(collectionId: string): Promise<Collection> {
    const name = this.chromaName(collectionId);
    const cached = this.handles.get(name);
    if (cached) return cached;
    return this.createCollection(collectionId);
  }

  async deleteCollection(collectionId: string): Promise<void> {
    const name = this.chromaName(collectionId);
    this.handles.delete(name);
    try {
      await this.call(() => this.client.deleteCollection({ name }));
    } catch (error) {
      if (error instanceof ChromaUnavailableError && error.cause instanceof ChromaNotFoundError) return;
      throw error;
    }
  }

  /**
   * Adds records, as `collection.add` does, with a deadline. When the server takes base64 vectors (Chroma ≥ 1.0
   * does), they are encoded here with Buffer and posted to Chroma's HTTP API (`…/collections/{id}/add`): the
   * client's own encoder builds a string per byte, about a second of the event loop per 10,000 vectors of 384
   * dimensions (docs/benchmarks.md, ingest pipeline).
   */
  async add(collection: Collection, records: ChromaRecords): Promise<void> {
    await this.call(async () => {
      if (!(await this.client.supportsBase64Encoding())) return collection.add(records);
      await this.post(collection, 'add', { ...records, embeddings: records.embeddings.map(base64Float32) });
    });
  }

  /**
   * The `nResults` nearest records to `vector` (cosine distance), posted to Chroma's HTTP API
   * (`…/collections/{id}/query`) over a kept-alive connection. The client's `collection.query` (fetch) was
   * measured at 3.9 ms p50 for 100 results from an 11k-vector collection where this takes 2.0 ms
   * (docs/adr/0016-own-calls-to-chroma-on-the-hot-path.md).
   */
  async query(
    collection: Collection,
    request: { vector: number[]; nResults: number; where?: Record<string, unknown>; withVectors: boolean },
  ): Promise<NearestRecords> {
    const response = (await this.call(() =>
      this.post(collection, 'query', {
        query_embeddings: [request.vector],
        n_results: request.nResults,
        where: request.where,
        include: request.withVectors ? ['distances', 'embeddings'] : ['distances'],
      }),
    )) as QueryResponse;
    const ids = response.ids?.[0] ?? [];
    return {
      ids,
      distances: ids.map((_, i) => response.distances?.[0]?.[i] ?? 1),
      embeddings: request.withVectors ? (response.embeddings?.[0] ?? []) : undefined,
    };
  }

  /** POSTs JSON to one of a collection's record endpoints; resolves with the parsed answer (throws on non-2xx). */
  private post(collection: Collection, operation: 'add' | 'query', body: unknown): Promise<unknown> {
    const path =
      `${this.base.pathname.replace(/\/$/, '')}/api/v2/tenants/${encodeURIComponent(collection.tenant)}` +
      `/databases/${encodeURIComponent(collection.database)}/collections/${encodeURIComponent(collection.id)}` +
      `/${operation}`;
    const payload = JSON.stringify(body);
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          agent: this.agent,
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port || undefined,
          path,
          method: 'POST',
          // one write for head and body (a separate body write costs the server another wake-up)
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: this.timeoutMs,
        },
        (res) => readJson(res, operation).then(resolve, reject),
      );
      req.on('timeout', () => req.destroy(new Error(`chroma ${operation} exceeded ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Runs a Chroma call with a deadline; every failure becomes ChromaUnavailableError (503). */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`chroma call exceeded ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      throw error instanceof ChromaUnavailableError ? error : new ChromaUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The body of a Chroma answer as JSON; a non-2xx answer is an error naming its status. */
function readJson(res: IncomingMessage, operation: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        reject(new Error(`chroma ${operation} answered ${status}: ${text.slice(0, 300)}`));
        return;
      }
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
