import { ChromaClient, ChromaNotFoundError, type Collection } from 'chromadb';
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
export class ChromaGateway {
  private readonly client: ChromaClient;
  private readonly handles = new Map<string, Collection>();

  constructor(
    url: string,
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
