// Event-loop stalls while one large document is prepared (normalise, hash, chunk) and embedded with the
// hashing embedder, in this process:
//   one-turn   the whole CPU part in one turn of the event loop (how ingest ran before)
//   in-turns   the ingest path now: a turn of the event loop once 2 ms of work have run (turnsEvery)
// Reports the longest stall (the longest gap between ticks of a 1 ms timer) and the total time.
//   tsx bench/large-document-stall.ts [--mb 1] [--runs 5]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { prepareDocument, prepareDocumentInTurns } from '@slipway/service/documents/ingest-documents';
import { embedderFromSingleText } from '@slipway/service/embeddings/embedder';
import { createHashingEmbedder } from '@slipway/service/embeddings/hashing-embedder';
import { renderTable, writeResult } from './lib/bench-report.js';
import { currentLoadAverage, describeMachine } from './lib/machine.js';
import { median } from './lib/run-load.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '1' }, runs: { type: 'string', default: '5' } },
});
const bytes = Number(values.mb) * 1_000_000;
const runs = Number(values.runs);
const machine = describeMachine();

function largeText(size: number): string {
  const words = 'deploy rollback socket switch health gate nginx colour drain migration vector answer'.split(
    ' ',
  );
  const parts: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const part = `${words[i % words.length]}${i % 17 === 16 ? '.' : ''}${i % 300 === 299 ? '\n\n' : ' '}`;
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

const single = createHashingEmbedder({ dimension: 384 });
const embedder = embedderFromSingleText(single);
const text = largeText(bytes);

const paths = {
  'one-turn': async () => {
    const doc = prepareDocument({ text });
    return doc.chunks.map((c) => single.embed(c.text)).length;
  },
  'in-turns': async () => {
    const doc = await prepareDocumentInTurns({ text });
    return (await embedder.embed(doc.chunks.map((c) => c.text))).length;
  },
};

const results: Record<string, { totalMs: number; maxStallMs: number; chunks: number }> = {};
for (const [name, run] of Object.entries(paths)) {
  const totals: number[] = [];
  const stalls: number[] = [];
  let chunks = 0;
  for (let i = 0; i < runs; i++) {
    // the longest gap between two ticks of a 1 ms timer = the longest time nothing else could run
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    chunks = await run();
    totals.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the tick after the last turn
    clearInterval(ticker);
    stalls.push(longest);
  }
  results[name] = { totalMs: median(totals), maxStallMs: median(stalls), chunks };
}

const baseline = results['one-turn']!;
console.log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
console.log(
  `load average at start ${machine.loadAverageAtStart.join(' ')}, at end ${currentLoadAverage().join(' ')}`,
);
console.log(
  `document: ${(bytes / 1e6).toFixed(1)} MB plain text, ${baseline.chunks} chunks; median of ${runs} runs\n`,
);
console.log(
  renderTable(
    ['path', 'total ms', 'longest stall ms', 'stall vs one-turn'],
    Object.entries(results).map(([name, r]) => [
      name,
      r.totalMs.toFixed(0),
      r.maxStallMs.toFixed(0),
      (r.maxStallMs / baseline.maxStallMs).toFixed(2),
    ]),
  ),
);
console.log(`\nwrote ${writeResult('large-document-stall', { machine, bytes, runs, results })}`);
