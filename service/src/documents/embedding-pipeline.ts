/** Slices being embedded while the writer adds the one before them. */
const SLICES_AHEAD = 2;

/**
 * Embeds texts in consecutive slices, a few slices ahead of whoever reads them, so the embedding of slice k + 1
 * overlaps the writes of slice k. It starts at once, when created — before the writer has its lock — and is read
 * in order with `for await`. `stop()` (also called when a reader stops early) starts no further slice; a
 * slice that fails fails the reader that reaches it.
 */
export class EmbeddingPipeline implements AsyncIterable<number[][]> {
  private readonly pending: Promise<number[][]>[] = [];
  private next = 0;
  private stopped = false;

  constructor(
    private readonly texts: readonly string[],
    private readonly embed: (texts: string[]) => Promise<number[][]>,
    private readonly sliceSize: number,
    private readonly ahead = SLICES_AHEAD,
  ) {
    this.fill();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<number[][]> {
    try {
      for (let slice = this.pending.shift(); slice; slice = this.pending.shift()) {
        this.fill();
        yield await slice;
      }
    } finally {
      this.stop();
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private fill(): void {
    while (!this.stopped && this.pending.length < this.ahead && this.next < this.texts.length) {
      const slice = this.embed(this.texts.slice(this.next, this.next + this.sliceSize));
      // its failure reaches the reader that awaits it; after stop() nobody does, so it must not go unhandled
      slice.catch(() => undefined);
      this.pending.push(slice);
      this.next += this.sliceSize;
    }
  }
}
