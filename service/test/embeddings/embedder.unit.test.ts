import { describe, expect, it } from '@jest/globals';
import { embedderFromSingleText, turnsEvery } from '../../src/embeddings/embedder.js';

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

describe('turnsEvery', () => {
  /** Runs `steps` calls of `turn`, each after `work`; counts the turns of the event loop that came between. */
  async function turnsTaken(turn: () => Promise<void>, steps: number, work: () => void): Promise<number> {
    let turns = 0;
    let waiting = true;
    const tick = () => {
      turns++;
      if (waiting) setImmediate(tick);
    };
    setImmediate(tick);
    for (let i = 0; i < steps; i++) {
      work();
      await turn();
    }
    waiting = false;
    return turns;
  }
  const busyFor = (ms: number) => () => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('lets quick steps share one turn of the event loop', async () => {
    expect(await turnsTaken(turnsEvery(50), 200, () => undefined)).toBe(0);
  });

  it('gives the event loop a turn after each step that used up the budget', async () => {
    expect(await turnsTaken(turnsEvery(2), 5, busyFor(3))).toBe(5);
  });
});
