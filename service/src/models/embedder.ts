/** What retrieval needs from an embedding model; implemented by the hashing and the OpenAI embedders. */
export interface Embedder {
  /** Stable identity of the model (e.g. `hashing-v1`, `openai:text-embedding-3-small`); part of cache keys. */
  readonly name: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per input text, in input order. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
