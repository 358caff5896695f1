/** Slices being embedded while the writer adds the one before them. */
const SLICES_AHEAD = 2;
/** While texts are still being added, a piece is embedded once this many wait (`end` sends the rest at once). */
const HEAD_START_PIECE = 64;

/**
 * Embeds texts in the background, ahead of whoever reads their vectors, so embedding overlaps the work around
 * it. Two phases:
 *
 * - **While texts are added** (`add`, as the caller prepares documents) they are embedded in pieces of
 *   `HEAD_START_PIECE` as soon as a piece is full, `ahead` pieces at a time and up to `ahead` slices' worth: the
 *   head start. The embedder runs while the caller is still preparing the next documents.
 * - **After `end(positions)`** — the caller now knows which texts it keeps (positions in the order added) — the
 *   kept texts not yet sent are embedded in slices of `sliceSize`, at most `ahead` slices before the reader.
 *
 * The reader (`for await`) gets the kept texts' vectors in order, in slices of `sliceSize`, whichever piece
 * computed them. `stop()` (also called when a reader stops early) starts no further piece; a piece that fails
 * fails the reader that reaches it.
 */
export class EmbeddingPipeline implements AsyncIterable<number[][]> {
  private readonly texts: string[] = [];
  /** The head start's pieces, in order: piece k holds the texts from k × pieceSize. */
  private readonly headStart: Promise<number[][]>[] = [];
  /** Texts sent during the head start: positions 0 … headStartSent − 1. */
  private headStartSent = 0;
  private headStartRunning = 0;
  private kept: readonly number[] | undefined;
  /** The kept positions after the head start, embedded in slices once `end` is called. */
  private rest: number[] = [];
  private readonly restSlices: Promise<number[][]>[] = [];
  private restSlicesRead = 0;
  private restRead = 0;
  private stopped = false;
  private ended!: () => void;
  private readonly endCalled = new Promise<void>((resolve) => (this.ended = resolve));

  constructor(
    private readonly embed: (texts: string[]) => Promise<number[][]>,
    private readonly sliceSize: number,
    private readonly ahead = SLICES_AHEAD,
    private readonly pieceSize = Math.min(HEAD_START_PIECE, sliceSize),
  ) {}

  /** More texts, in order (their positions continue from the texts added before). */
  add(texts: readonly string[]): void {
    if (this.kept) throw new Error('EmbeddingPipeline: add() after end()');
    for (const text of texts) this.texts.push(text);
    this.sendHeadStart();
  }

  /** No more texts: the reader gets the vectors of the texts at `positions` (ascending), by default all. */
  end(positions?: readonly number[]): void {
    if (this.kept) return;
    this.kept = positions ?? this.texts.map((_, i) => i);
    // the head start ends here: what it has not sent goes with the rest, in slices
    this.rest = this.kept.filter((position) => position >= this.headStartSent);
    this.sendRest();
    this.ended();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<number[][]> {
    try {
      await this.endCalled;
      const kept = this.kept ?? [];
      for (let from = 0; from < kept.length; from += this.sliceSize) {
        const slice: number[][] = [];
        for (const position of kept.slice(from, from + this.sliceSize))
          slice.push(await this.vectorAt(position));
        yield slice;
      }
    } finally {
      this.stop();
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Head-start pieces while texts arrive (whole pieces only until `end`), up to `ahead` slices' worth of texts
   * and `ahead` pieces at a time (an embedder's own concurrency, such as a remote model's, is not multiplied).
   */
  private sendHeadStart(): void {
    const limit = Math.min(this.texts.length, this.ahead * this.sliceSize);
    while (
      !this.stopped &&
      !this.kept &&
      this.headStartSent + this.pieceSize <= limit &&
      this.headStartRunning < this.ahead
    ) {
      const start = this.headStartSent;
      const vectors = this.started(this.texts.slice(start, start + this.pieceSize));
      this.headStartRunning += 1;
      const settled = () => {
        this.headStartRunning -= 1;
        this.sendHeadStart();
      };
      vectors.then(settled, settled);
      this.headStart.push(vectors);
      this.headStartSent += this.pieceSize;
    }
  }

  /** Slices of the rest, at most `ahead` of the reader. */
  private sendRest(): void {
    while (
      !this.stopped &&
      this.restSlices.length - this.restSlicesRead < this.ahead &&
      this.restSlices.length * this.sliceSize < this.rest.length
    ) {
      const from = this.restSlices.length * this.sliceSize;
      const positions = this.rest.slice(from, from + this.sliceSize);
      this.restSlices.push(this.started(positions.map((position) => this.texts[position]!)));
    }
  }

  private started(texts: string[]): Promise<number[][]> {
    const vectors = this.embed(texts);
    // its failure reaches the reader that awaits it; after stop() nobody does, so it must not go unhandled
    vectors.catch(() => undefined);
    return vectors;
  }

  private async vectorAt(position: number): Promise<number[]> {
    if (position < this.headStartSent) {
      const piece = Math.floor(position / this.pieceSize);
      return (await this.headStart[piece]!)[position - piece * this.pieceSize]!;
    }
    // the kept positions are read in order, those of the head start first: this is the next of the rest
    const index = this.restRead++;
    const slice = Math.floor(index / this.sliceSize);
    this.restSlicesRead = slice; // the reader is done with the slices before it
    this.sendRest();
    const vectors = this.restSlices[slice];
    if (!vectors) throw new Error('EmbeddingPipeline: read after stop()');
    return (await vectors)[index % this.sliceSize]!;
  }
}
