// What RM3 costs on the keyword side (ADR 0014): the in-process index's own search time per query, plain BM25
// vs RM3-expanded (first pass, feedback weights, second pass), in the same run on the same index, interleaved
// query by query. No HTTP, no store round trips: those are the same for both and measured by bench:search.
// Usage: tsx bench/keyword-expansion.ts [--docs 1400] [--variants 4] [--rounds 5] [--limit 100]
//   [--fb-docs 5] [--fb-terms 10] [--weight 0.5] [--out PATH]
import { parseArgs } from 'node:util';
import { providePostgres } from '@slipway/harness';
import { createPostgresKeywordIndex } from '@slipway/devtools/eval/postgres-keyword-index';
import { KEYWORD_EXPANSION_DEFAULTS } from '@slipway/service/ranking/keyword-expansion';
import { chunkText, DEFAULT_CHUNK_OPTIONS } from '@slipway/service/text/chunk-text';
import { normalizeDocument } from '@slipway/service/text/structure-text';
import { loadBenchCorpus } from './lib/bench-corpus.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import { currentLoadAverage, describeMachine, machineLine } from './lib/machine.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '1400' },
    variants: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    limit: { type: 'string', default: '100' },
    'fb-docs': { type: 'string', default: String(KEYWORD_EXPANSION_DEFAULTS.fbDocs) },
    'fb-terms': { type: 'string', default: String(KEYWORD_EXPANSION_DEFAULTS.fbTerms) },
    weight: { type: 'string', default: String(KEYWORD_EXPANSION_DEFAULTS.originalQueryWeight) },
    out: { type: 'string' },
  },
});

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function summarise(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    samples: ms.length,
    meanMs: round(ms.reduce((s, x) => s + x, 0) / ms.length),
    p50Ms: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    p99Ms: round(quantile(sorted, 0.99)),
  };
}

async function main() {
  const machine = describeMachine();
  console.log(`machine: ${machineLine(machine)}`);
  const expansion = {
    fbDocs: Number(values['fb-docs']),
    fbTerms: Number(values['fb-terms']),
    originalQueryWeight: Number(values.weight),
  };
  const limit = Number(values.limit);
  const rounds = Number(values.rounds);
  const corpus = await loadBenchCorpus(Number(values.docs), Number(values.variants));
  const documents = corpus.documents.map((d) => {
    const text = normalizeDocument(d.text, 'text');
    const chunks = chunkText(text, DEFAULT_CHUNK_OPTIONS).map((c) => ({ ...c, id: `${d.id}#${c.index}` }));
    return { id: d.id, title: d.title, text, chunks };
  });
  const postgres = await providePostgres();
  try {
    const store = await createPostgresKeywordIndex(postgres.url);
    try {
      await store.addDocuments(documents);
      const index = await store.memoryIndex();
      const queries = await store.queryLexemes(corpus.queries.map((q) => q.text));
      const bytesPlain = index.typedArrayBytes;
      let started = performance.now();
      index.searchExpanded(queries[0]!, limit, expansion); // builds the chunk → terms view
      const firstExpandedMs = performance.now() - started;
      const bytesExpanded = index.typedArrayBytes;
      // warm-up: one pass of each, so both run JIT-compiled code
      for (const q of queries) {
        index.search(q, limit);
        index.searchExpanded(q, limit, expansion);
      }
      const plain: number[] = [];
      const expanded: number[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const q of queries) {
          // alternate which goes first, so neither always meets a warm cache left by the other
          const order = round % 2 === 0 ? ['plain', 'expanded'] : ['expanded', 'plain'];
          for (const which of order) {
            started = performance.now();
            if (which === 'plain') index.search(q, limit);
            else index.searchExpanded(q, limit, expansion);
            (which === 'plain' ? plain : expanded).push(performance.now() - started);
          }
        }
      }
      const result = {
        benchmark: 'keyword-expansion',
        machine,
        loadAverageAtEnd: currentLoadAverage(),
        chunks: index.size,
        queries: queries.length,
        rounds,
        limit,
        expansion,
        plain: summarise(plain),
        expanded: summarise(expanded),
        ratio: {} as Record<string, number>,
        memory: {
          typedArrayBytes: bytesPlain,
          withChunkTermsView: bytesExpanded,
          firstExpandedSearchMs: Math.round(firstExpandedMs * 10) / 10,
        },
      };
      for (const key of ['meanMs', 'p50Ms', 'p95Ms', 'p99Ms'] as const) {
        result.ratio[key] = Math.round((result.expanded[key] / result.plain[key]) * 100) / 100;
      }
      console.log(
        `${result.chunks} chunks, ${result.queries} Cranfield questions × ${rounds} rounds, top ${limit}, ` +
          `RM3 ${expansion.fbDocs} docs / ${expansion.fbTerms} terms / α ${expansion.originalQueryWeight}`,
      );
      console.log(
        renderTable(
          ['index search', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms'],
          [
            ['plain BM25', result.plain.meanMs, result.plain.p50Ms, result.plain.p95Ms, result.plain.p99Ms],
            [
              'RM3',
              result.expanded.meanMs,
              result.expanded.p50Ms,
              result.expanded.p95Ms,
              result.expanded.p99Ms,
            ],
            ['ratio', result.ratio.meanMs!, result.ratio.p50Ms!, result.ratio.p95Ms!, result.ratio.p99Ms!],
          ],
        ),
      );
      console.log(
        `typed arrays ${(bytesPlain / 2 ** 20).toFixed(1)} MiB, ${(bytesExpanded / 2 ** 20).toFixed(1)} MiB with ` +
          `the chunk → terms view (built by the first expanded search: ${result.memory.firstExpandedSearchMs} ms)`,
      );
      console.log(`load average at end ${result.loadAverageAtEnd.join(' / ')} (1/5/15 min)`);
      console.log(`wrote ${writeResult('keyword-expansion', result, values.out)}`);
    } finally {
      await store.close();
    }
  } finally {
    await postgres.stop();
  }
}

await main();
