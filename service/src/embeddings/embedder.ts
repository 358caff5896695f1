/** What retrieval needs from an embedding model; implemented by the hashing and the OpenAI embedders. */
export interface Embedder {
  /** Stable identity of the model (e.g. `hashing-v1`, `openai:text-embedding-3-small`); part of cache keys. */
  readonly name: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per input text, in input order. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A synchronous one-text-at-a-time embedder (the shape of the local hashing embedder). */
export interface SingleTextEmbedder {
  readonly model: string;
  readonly dimension: number;
  embed(text: string): number[];
}

/** Adapts a synchronous one-text embedder to the batch `Embedder` interface. */
export function embedderFromSingleText(single: SingleTextEmbedder): Embedder {
  return {
    name: single.model,
    dimensions: single.dimension,
    embed: async (texts, signal) => {
      signal?.throwIfAborted();
      return texts.map((text) => single.embed(text));
    },
  };
}
