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

/** Texts embedded between two turns of the event loop (about 1–3 ms each for the hashing embedder). */
const TEXTS_PER_TURN = 8;

/** Resolves on a later turn of the event loop, after pending I/O: other requests are served in between. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A turn-taker for a run of CPU steps: each call yields to the event loop only once `budgetMs` of work has run
 * since the last turn, so many small steps (the documents of a batch) share a turn instead of paying one each,
 * and a long step (a large document's) is still followed by one. Other requests wait at most the budget plus
 * one step.
 */
export function turnsEvery(budgetMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await yieldToEventLoop();
    since = performance.now();
  };
}

/**
 * Adapts a synchronous one-text embedder to the batch `Embedder` interface. It gives the event loop a turn
 * every few texts, so embedding a large document never stalls other requests.
 */
export function embedderFromSingleText(single: SingleTextEmbedder): Embedder {
  return {
    name: single.model,
    dimensions: single.dimension,
    embed: async (texts, signal) => {
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i++) {
        if (i % TEXTS_PER_TURN === 0) {
          if (i > 0) await yieldToEventLoop();
          signal?.throwIfAborted();
        }
        vectors.push(single.embed(texts[i] as string));
      }
      return vectors;
    },
  };
}
