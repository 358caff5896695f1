// The entry of an embedding worker thread (see embed-worker-pool.ts): hashing embeddings of a list of texts,
// off the service's event loop.
import { createHashingEmbedder, type HashingEmbedder } from './hashing-embedder.js';

export interface EmbedTask {
  texts: string[];
  dimension: number;
}

const embedders = new Map<number, HashingEmbedder>();

/** The vectors of `texts`, back to back in one buffer (one copy to the calling thread, not one per vector). */
export default function embedTexts({ texts, dimension }: EmbedTask) {
  let embedder = embedders.get(dimension);
  if (!embedder) embedders.set(dimension, (embedder = createHashingEmbedder({ dimension })));
  const out = new Float64Array(texts.length * dimension);
  texts.forEach((text, i) => out.set(embedder.embed(text), i * dimension));
  return out;
}
