import { describe, expect, it } from '@jest/globals';
import { embedderFromSingleText } from '../../src/embeddings/embedder.js';

describe('embedderFromSingleText', () => {
  const single = { model: 'hashing-v1-384', dimension: 3, embed: (text: string) => [text.length, 0, 1] };

  it('exposes name and dimensions and embeds each text in order', async () => {
    const embedder = embedderFromSingleText(single);
    expect(embedder.name).toBe('hashing-v1-384');
    expect(embedder.dimensions).toBe(3);
    expect(await embedder.embed(['a', 'abc'])).toEqual([
      [1, 0, 1],
      [3, 0, 1],
    ]);
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedderFromSingleText(single).embed(['a'], controller.signal)).rejects.toBeDefined();
  });
});
