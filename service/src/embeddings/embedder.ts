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

/** Work between two turns of the event loop in a run of CPU steps (preparing documents, embedding texts). */
export const TURN_BUDGET_MS = 2;

/** Resolves on a later turn of the event loop, after pending I/O: other requests are served in between. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
 * once `TURN_BUDGET_MS` of embedding has run (`turnsEvery`), so embedding a large document never stalls other
 * requests.
 */
export function embedderFromSingleText(single: SingleTextEmbedder): Embedder {
  return {
    name: single.model,
    dimensions: single.dimension,
    embed: async (texts, signal) => {
      const turn = turnsEvery(TURN_BUDGET_MS);
      const vectors: number[][] = [];
      for (const text of texts) {
        await turn();
        signal?.throwIfAborted();
        vectors.push(single.embed(text));
      }
      return vectors;
    },
  };
}
