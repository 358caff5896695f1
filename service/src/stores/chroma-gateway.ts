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

export class ChromaGateway {
  private readonly client: ChromaClient;
  private readonly handles = new Map<string, Collection>();

  constructor(
    private readonly url: string,
    readonly collectionPrefix: string,
    private readonly timeoutMs = 5000,
  ) {
    const parsed = new URL(url);
    this.client = new ChromaClient({
      host: parsed.hostname,
      port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
      ssl: parsed.protocol === 'https:',
    });
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
      const path = `/api/v2/tenants/${encodeURIComponent(collection.tenant)}/databases/${encodeURIComponent(collection.database)}/collections/${encodeURIComponent(collection.id)}/add`;
      const response = await fetch(new URL(path, this.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...records, embeddings: records.embeddings.map(base64Float32) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) {
        throw new Error(`chroma add answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      }
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
