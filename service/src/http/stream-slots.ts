import { AppError } from '../errors/app-error.js';
import type { Metrics } from '../observability/metrics.js';

/** Seconds a client refused for stream capacity should wait: answers stream for seconds, not minutes. */
export const STREAM_RETRY_AFTER_SECONDS = 2;

/**
 * The SSE answer streams one process serves at once (MAX_CONCURRENT_STREAMS; 0 = unlimited). A stream takes
 * a slot before any work starts and gives it back exactly once, however it ends.
 */
export class StreamSlots {
  private taken = 0;

  constructor(
    readonly max: number,
    private readonly metrics?: Pick<Metrics, 'answerStreamsActive' | 'answerStreamsRefused'>,
  ) {}

  get active(): number {
    return this.taken;
  }

  /** A release function, or a 503 `streams-at-capacity` problem (with Retry-After) to answer instead. */
  take(): { release: () => void } | { refusal: AppError } {
    if (this.max > 0 && this.taken >= this.max) {
      this.metrics?.answerStreamsRefused.inc();
      return {
        refusal: new AppError(
          503,
          'streams-at-capacity',
          `This instance is serving its maximum of ${this.max} answer streams; retry shortly, or ask without streaming.`,
          undefined,
          { 'Retry-After': String(STREAM_RETRY_AFTER_SECONDS) },
        ),
      };
    }
    this.taken++;
    this.metrics?.answerStreamsActive.set(this.taken);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.taken--;
        this.metrics?.answerStreamsActive.set(this.taken);
      },
    };
  }
}
