import { describe, expect, it } from '@jest/globals';
import { EmbeddingPipeline } from '../../src/documents/embedding-pipeline.js';

/** An embedder the test releases call by call: records each call's texts. */
function heldEmbedder() {
  const calls: { texts: string[]; resolve(v: number[][]): void; reject(e: Error): void }[] = [];
  const embed = (texts: string[]) =>
    new Promise<number[][]>((resolve, reject) => calls.push({ texts, resolve, reject }));
  const release = (i: number) => calls[i]!.resolve(calls[i]!.texts.map((t) => [t.length]));
  return { calls, embed, release };
}

const texts = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i + 1));

describe('EmbeddingPipeline', () => {
  it('starts embedding when created, at most `ahead` slices before the reader, and yields slices in order', async () => {
    const { calls, embed, release } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(texts, embed, 3, 2);
    expect(calls.map((c) => c.texts.length)).toEqual([3, 3]); // before anyone reads
    const read: number[][][] = [];
    const reading = (async () => {
      for await (const slice of pipeline) read.push(slice);
    })();
    release(1); // out of order: slice 0 still holds the reader
    await new Promise((r) => setImmediate(r));
    expect(read).toEqual([]);
    expect(calls).toHaveLength(3); // the reader took slice 0's place in the window
    release(0);
    release(2);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(4);
    release(3);
    await reading;
    expect(read.flat()).toEqual(texts.map((t) => [t.length]));
    expect(calls.map((c) => c.texts)).toEqual([
      texts.slice(0, 3),
      texts.slice(3, 6),
      texts.slice(6, 9),
      texts.slice(9),
    ]);
  });

  it('fails the reader at the slice that failed, and starts no slice after the reader stops', async () => {
    const { calls, embed, release } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(texts, embed, 2, 2);
    const read: number[][][] = [];
    const reading = (async () => {
      for await (const slice of pipeline) read.push(slice);
    })();
    release(0);
    calls[1]!.reject(new Error('embedding endpoint failed'));
    await expect(reading).rejects.toThrow('embedding endpoint failed');
    expect(read).toHaveLength(1);
    const started = calls.length;
    calls.slice(2).forEach((c) => c.reject(new Error('dropped'))); // no unhandled rejection
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(started);
    expect(started).toBeLessThan(5);
  });

  it('stop() before reading starts nothing more; no texts, no slices', async () => {
    const { calls, embed } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(texts, embed, 2, 1);
    pipeline.stop();
    expect(calls).toHaveLength(1);
    const empty = new EmbeddingPipeline([], embed, 2);
    const slices: number[][][] = [];
    for await (const slice of empty) slices.push(slice);
    expect(slices).toEqual([]);
  });
});
