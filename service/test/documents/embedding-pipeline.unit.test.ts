import { describe, expect, it } from '@jest/globals';
import { EmbeddingPipeline } from '../../src/documents/embedding-pipeline.js';
import { chunkPositionsOf } from '../../src/documents/ingest-documents.js';

/** An embedder the test releases call by call: records each call's texts; a text's vector is [its length]. */
function heldEmbedder() {
  const calls: { texts: string[]; resolve(v: number[][]): void; reject(e: Error): void }[] = [];
  const embed = (texts: string[]) =>
    new Promise<number[][]>((resolve, reject) => calls.push({ texts, resolve, reject }));
  const release = (i: number) => calls[i]!.resolve(calls[i]!.texts.map((t) => [t.length]));
  return { calls, embed, release, releaseAll: () => calls.forEach((_, i) => release(i)) };
}

const texts = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i + 1));
const vectorOf = (text: string) => [text.length];
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function readAll(pipeline: EmbeddingPipeline, onSlice?: () => void): Promise<number[][][]> {
  const slices: number[][][] = [];
  for await (const slice of pipeline) {
    slices.push(slice);
    onSlice?.();
  }
  return slices;
}

describe('EmbeddingPipeline', () => {
  it('embeds while texts are still being added (a head start): whole pieces, two at a time, before anyone reads', async () => {
    const { calls, embed, release, releaseAll } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(embed, 4, 2, 2); // slices of 4, 2 ahead, pieces of 2
    pipeline.add(texts.slice(0, 3));
    expect(calls.map((c) => c.texts)).toEqual([texts.slice(0, 2)]); // the third waits for a whole piece
    pipeline.add(texts.slice(3, 10));
    expect(calls.map((c) => c.texts.length)).toEqual([2, 2]); // two pieces at a time
    release(0);
    await turn();
    expect(calls.map((c) => c.texts.length)).toEqual([2, 2, 2]); // one done: the next starts
    release(1);
    release(2);
    await turn();
    // the head start stops at two slices' worth (8 texts): the rest waits for the end
    expect(calls.map((c) => c.texts.length)).toEqual([2, 2, 2, 2]);
    pipeline.end();
    expect(calls.map((c) => c.texts)).toHaveLength(5);
    expect(calls[4]!.texts).toEqual(texts.slice(8, 10)); // the rest: one slice of the 2 remaining texts
    releaseAll();
    const slices = await readAll(pipeline);
    expect(slices.map((s) => s.length)).toEqual([4, 4, 2]);
    expect(slices.flat()).toEqual(texts.map(vectorOf));
  });

  it('reads only the kept positions, and never embeds a text after the head start that is not kept', async () => {
    const embedded: string[][] = [];
    const embed = async (batch: string[]) => {
      embedded.push(batch);
      return batch.map(vectorOf);
    };
    const pipeline = new EmbeddingPipeline(embed, 2, 1, 2); // head start: 2 texts
    pipeline.add(texts);
    pipeline.end([1, 4, 5, 9]);
    const slices = await readAll(pipeline);
    expect(slices).toEqual([
      [vectorOf(texts[1]!), vectorOf(texts[4]!)],
      [vectorOf(texts[5]!), vectorOf(texts[9]!)],
    ]);
    expect(embedded).toEqual([texts.slice(0, 2), [texts[4], texts[5]], [texts[9]]]);
  });

  it('keeps at most `ahead` slices of the rest before the reader, and yields them in order', async () => {
    const { calls, embed, release } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(embed, 3, 2, 3);
    pipeline.end(); // no head start: nothing was added before the end
    const empty = await readAll(pipeline);
    expect(empty).toEqual([]);
    const lazy = new EmbeddingPipeline(embed, 3, 1, 3);
    const late = texts.slice(0, 6);
    lazy.add(late); // head start: one slice (3 texts)
    lazy.end();
    expect(calls.map((c) => c.texts)).toEqual([late.slice(0, 3), late.slice(3, 6)]);
    const read: number[][][] = [];
    const reading = (async () => {
      for await (const slice of lazy) read.push(slice);
    })();
    release(1); // out of order: the head start still holds the reader
    await turn();
    expect(read).toEqual([]);
    release(0);
    await reading;
    expect(read.flat()).toEqual(late.map(vectorOf));
  });

  it('fails the reader at the piece that failed, and starts nothing after stop()', async () => {
    const { calls, embed, release } = heldEmbedder();
    const pipeline = new EmbeddingPipeline(embed, 2, 2, 2);
    pipeline.add(texts);
    pipeline.end();
    release(0);
    calls[1]!.reject(new Error('embedding endpoint failed'));
    await expect(readAll(pipeline)).rejects.toThrow('embedding endpoint failed');
    const started = calls.length;
    calls.slice(2).forEach((c) => c.reject(new Error('dropped'))); // no unhandled rejection
    await turn();
    expect(calls).toHaveLength(started);
    const stopped = new EmbeddingPipeline(embed, 2, 2, 2);
    stopped.stop();
    stopped.add(texts);
    expect(calls).toHaveLength(started);
  });
});

describe('chunkPositionsOf', () => {
  it('gives the positions of the chosen documents’ chunks among all chunks, in order', () => {
    const a = { chunks: [1, 2] };
    const b = { chunks: [] };
    const c = { chunks: [1, 2, 3] };
    const d = { chunks: [1] };
    expect(chunkPositionsOf([a, b, c, d], new Set([a, c]))).toEqual([0, 1, 2, 3, 4]);
    expect(chunkPositionsOf([a, b, c, d], new Set([c, d]))).toEqual([2, 3, 4, 5]);
    expect(chunkPositionsOf([a, b, c, d], new Set())).toEqual([]);
  });
});
