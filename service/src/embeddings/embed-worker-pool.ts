import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { workerExecArgv } from '../observability/tracing.js';
import type { Embedder } from './embedder.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import type { EmbedTask } from './hashing-embed-worker.js';

/** An embedder whose work runs in worker threads; `close` stops them (graceful shutdown, CLI exit). */
export interface PooledEmbedder extends Embedder {
  /** Most threads it runs. */
  readonly threads: number;
  /** Threads running now (they start on first use). */
  running(): number;
  close(): Promise<void>;
}

/** Fewest texts worth a task of their own (each task costs a message each way and a memory reading). */
const MIN_TEXTS_PER_TASK = 16;

/** How long a thread without work stays. */
const IDLE_THREAD_MS = 60_000;

/**
 * The module a worker thread loads. From the compiled build it is the `.js` next to this file. From the
 * TypeScript sources (development, tests, benchmarks) it is a small module that loads the `.ts` through tsx's
 * API: Node 20 does not apply the process's `--import tsx` loader to a worker thread.
 */
function workerModule(): string {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./hashing-embed-worker.js', here).href;
  const entry = new URL('./hashing-embed-worker.ts', here).href;
  const tsxApi = esmExportOf(createRequire(here).resolve('tsx/package.json'), './esm/api');
  const source =
    `import { tsImport } from ${JSON.stringify(tsxApi)};\n` +
    `export default (await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)})).default;\n`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** The ESM file a package exports under `subpath` (the `import` condition), as a file URL. */
function esmExportOf(packageJsonPath: string, subpath: string): string {
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(manifest.exports[subpath]!.import.default, pathToFileURL(packageJsonPath)).href;
}

/**
 * The hashing embedder in a pool of worker threads: the same vectors as in process (the same code, and the
 * float64 values are copied bit for bit), while the event loop stays free for other requests. Threads
 * start on first use; `close` ends them.
 */
export function createPooledHashingEmbedder(options: { threads: number; dimension: number }): PooledEmbedder {
  const { model } = createHashingEmbedder({ dimension: options.dimension });
  const pool = new Tinypool({
    filename: workerModule(),
    execArgv: workerExecArgv(process.execArgv), // flags a worker accepts and needs (observability/tracing.ts)
    // threads start on first use (a process that never ingests never starts one) and stay while ingests come:
    // a thread's start (loading its modules) costs more than a whole batch of embeddings
    minThreads: 0,
    maxThreads: options.threads,
    idleTimeout: IDLE_THREAD_MS,
  });
  const dimension = options.dimension;
  return {
    name: model,
    dimensions: dimension,
    threads: options.threads,
    async embed(texts, signal) {
      // one task per thread, so a call's texts are embedded in parallel with as few messages as can be
      const parts = Math.max(1, Math.min(options.threads, Math.floor(texts.length / MIN_TEXTS_PER_TASK)));
      const size = Math.ceil(texts.length / parts);
      const tasks: Promise<number[][]>[] = [];
      for (let start = 0; start < texts.length; start += size) {
        const task: EmbedTask = { texts: texts.slice(start, start + size), dimension };
        tasks.push(runTask(pool, task, signal));
      }
      return (await Promise.all(tasks)).flat();
    },
    running: () => pool.threads.length,
    close: () => pool.destroy(),
  };
}

async function runTask(pool: Tinypool, task: EmbedTask, signal?: AbortSignal): Promise<number[][]> {
  // checked around the task, which is never cancelled while it runs (that would end its thread): an abandoned
  // request wastes at most the tasks it has already queued
  signal?.throwIfAborted();
  const flat = (await pool.run(task)) as Float64Array;
  signal?.throwIfAborted();
  const vectors: number[][] = [];
  for (let i = 0; i < task.texts.length; i++) {
    vectors.push(Array.from(flat.subarray(i * task.dimension, (i + 1) * task.dimension)));
  }
  return vectors;
}
