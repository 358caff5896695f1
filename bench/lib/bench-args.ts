import { parseArgs } from 'node:util';

export interface BenchArgs {
  /** Cranfield documents to use (first N of 1,400). */
  docs: number;
  /** Variants of each document (variant 0 is the original); 1,400 × 4 ≈ 10.9k chunks. */
  variants: number;
  /** Seconds per measured load run. */
  durationS: number;
  connections: number;
  /** Where the JSON goes; default bench/results/<name>-<timestamp>.json. */
  out?: string;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string', default: '1400' },
      variants: { type: 'string', default: '4' },
      duration: { type: 'string', default: '8' },
      connections: { type: 'string', default: '32' },
      out: { type: 'string' },
    },
  });
  const positive = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
    return n;
  };
  return {
    docs: Math.floor(positive('docs', values.docs)),
    variants: Math.floor(positive('variants', values.variants)),
    durationS: positive('duration', values.duration),
    connections: Math.floor(positive('connections', values.connections)),
    out: values.out,
  };
}
