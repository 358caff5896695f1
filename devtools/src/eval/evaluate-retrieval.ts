import { cpus } from 'node:os';
import nlp from 'wink-nlp-utils';
import bm25 from 'wink-bm25-text-search';
import { chunkText, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from '@slipway/service/text/chunk-text';
import {
  createHashingEmbedder,
  type HashingEmbedderOptions,
} from '@slipway/service/embeddings/hashing-embedder';
import { normalizeDocument } from '@slipway/service/text/structure-text';
import {
  feedbackChunkIds,
  fuseHybrid,
  HYBRID_DEFAULTS,
  hybridQueryVector,
  type HybridConfig,
} from '@slipway/service/ranking/hybrid-retrieval';
import {
  KEYWORD_EXPANSION_DEFAULTS,
  type KeywordExpansion,
} from '@slipway/service/ranking/keyword-expansion';
import { selectMmr } from '@slipway/service/ranking/select-mmr';
import {
  CONTROL_PARAMETERS,
  type RetrievalParameters,
} from '@slipway/service/retrieval/retrieval-experiment';
import { loadCranfield, relevantDocumentsByQuery } from './cranfield-loader.js';
import { meanMetrics, ndcgAtK, type RankingMetrics } from './ranking-metrics.js';
import {
  createPostgresKeywordIndex,
  type KeywordHit,
  type PostgresVersion,
} from './postgres-keyword-index.js';

export type EvalMode =
  | 'keyword'
  | 'keyword-index'
  | 'keyword-rm3'
  | 'keyword-cover-density'
  | 'vector'
  | 'hybrid'
  | 'hybrid+mmr'
  | 'bm25';

export interface EvalOptions {
  /** An empty Postgres database: the eval runs the repository's migrations in it and fills one collection. */
  databaseUrl: string;
  /** Also rank keyword results by ts_rank_cd, for comparison (default true). */
  compareCoverDensity?: boolean;
  dataDir?: string;
  /** Cut-off of every metric (default 10). */
  k?: number;
  /** Chunks each retriever returns before fusion (default 100). */
  candidates?: number;
  chunking?: ChunkOptions;
  embedder?: HashingEmbedderOptions;
  /** RRF constant and the weights of the keyword list and the (feedback-expanded) vector list. */
  fusion?: { k?: number; keywordWeight?: number; vectorWeight?: number };
  mmr?: { lambda?: number; pool?: number };
  /** Pseudo-relevance feedback for the vector side of hybrid: top keyword chunks and their weight. */
  feedback?: { chunks?: number; weight?: number };
  /**
   * RM3 on the keyword side (ADR 0014) for hybrid's keyword list; default control's (off: `false`, hybrid
   * fuses the plain BM25 list). The `keyword-rm3` row is scored either way, with this expansion or
   * KEYWORD_EXPANSION_DEFAULTS.
   */
  keywordExpansion?: KeywordExpansion | false;
  /** Retrieval experiment variants to score as the service would run them (report.variants). */
  variants?: readonly RetrievalParameters[];
  /** Also score each variant on the odd- and the even-numbered queries apart (VariantResult.halves). */
  querySplit?: boolean;
}

/** One retrieval experiment variant's scores: its mode, fusion, feedback and MMR as the service applies them. */
export interface VariantResult extends RankingMetrics {
  variant: string;
  mode: RetrievalParameters['mode'];
  keywordWeight: number;
  vectorWeight: number;
  feedback: { chunks: number; weight: number };
  mmrLambda?: number;
  /** RM3 on the keyword side (ADR 0014), when the variant sets it. */
  keywordExpansion?: KeywordExpansion;
  queries: number;
  ms: number;
  /** With EvalOptions.querySplit: the same metrics over odd- and even-numbered queries. */
  halves?: Record<QueryHalf, RankingMetrics & { queries: number }>;
  /** With EvalOptions.querySplit: nDCG@k of each judged query by its number (for paired comparisons). */
  perQueryNdcg?: Record<string, number>;
}

export type QueryHalf = 'odd' | 'even';

/** Which half a Cranfield query number (1…225) falls in. */
export const queryHalf = (queryId: string): QueryHalf => (Number(queryId) % 2 === 1 ? 'odd' : 'even');

export interface ModeResult extends RankingMetrics {
  mode: EvalMode;
  queries: number;
  /** Wall time of retrieving all queries in this mode. */
  ms: number;
  /** nDCG@k of each judged query, in query order (for paired comparisons). */
  perQueryNdcg: number[];
}

export interface EvalReport {
  dataset: 'cranfield';
  k: number;
  documents: number;
  chunks: number;
  queries: number;
  results: ModeResult[];
  /** One row per variant asked for (EvalOptions.variants), in order. */
  variants: VariantResult[];
  config: Required<
    Omit<EvalOptions, 'databaseUrl' | 'dataDir' | 'compareCoverDensity' | 'variants' | 'querySplit'>
  >;
  timings: { loadMs: number; embedMs: number; indexMs: number; totalMs: number };
  machine: { node: string; cpus: number; cpuModel: string };
  /** The Postgres server the keyword modes ran on. */
  postgres: PostgresVersion;
  /**
   * The service's two keyword paths side by side: the SQL BM25 (`keyword`) and the in-process index built
   * from the same tsvectors (`keyword-index`). Queries whose top k chunk ids (in order) are identical, and
   * the largest score difference among chunks both paths put at the same rank.
   */
  keywordPaths: { identicalTopK: number; queries: number; maxScoreDifference: number };
}

export const DEFAULT_EVAL_CONFIG: EvalReport['config'] = {
  k: 10,
  // the service's hybrid search uses the same values (service/src/ranking/hybrid-retrieval.ts), so the eval measures what ships
  candidates: HYBRID_DEFAULTS.candidates,
  chunking: { ...DEFAULT_CHUNK_OPTIONS },
  embedder: {},
  fusion: { ...HYBRID_DEFAULTS.fusion },
  mmr: { lambda: 0.7, pool: 50 },
  feedback: { ...HYBRID_DEFAULTS.feedback },
  keywordExpansion: CONTROL_PARAMETERS.keywordExpansion ? { ...CONTROL_PARAMETERS.keywordExpansion } : false,
};

const stopwatch = (): (() => number) => {
  const start = performance.now();
  return () => Math.round(performance.now() - start);
};

/** Document ids by their best chunk, best first. */
const toDocuments = (documentIds: Iterable<string>): string[] => [...new Set(documentIds)];

/** BM25 over whole documents (title + abstract) with wink-bm25-text-search: k1 1.2, b 0.75, stopwords, stems. */
function bm25Rankings(
  documents: readonly { id: string; text: string }[],
  queries: readonly { id: string; text: string }[],
  limit: number,
): Map<string, string[]> {
  const engine = bm25();
  engine.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: 1.2, b: 0.75, k: 1 } });
  engine.definePrepTasks([
    nlp.string.lowerCase!,
    nlp.string.removeExtraSpaces!,
    nlp.string.tokenize0!,
    nlp.tokens.removeWords!,
    nlp.tokens.stem!,
  ]);
  for (const document of documents) engine.addDoc({ text: document.text }, document.id);
  engine.consolidate();
  return new Map(queries.map((q) => [q.id, engine.search(q.text, limit).map(([id]) => String(id))]));
}

/** Runs every retrieval mode over Cranfield in one run, with the same metrics code and relevance rule. */
export async function evaluateRetrieval(options: EvalOptions): Promise<EvalReport> {
  const total = stopwatch();
  const config: EvalReport['config'] = {
    k: options.k ?? DEFAULT_EVAL_CONFIG.k,
    candidates: options.candidates ?? DEFAULT_EVAL_CONFIG.candidates,
    chunking: { ...DEFAULT_EVAL_CONFIG.chunking, ...options.chunking },
    embedder: { ...DEFAULT_EVAL_CONFIG.embedder, ...options.embedder },
    fusion: { ...DEFAULT_EVAL_CONFIG.fusion, ...options.fusion },
    mmr: { ...DEFAULT_EVAL_CONFIG.mmr, ...options.mmr },
    feedback: { ...DEFAULT_EVAL_CONFIG.feedback, ...options.feedback },
    keywordExpansion: options.keywordExpansion ?? DEFAULT_EVAL_CONFIG.keywordExpansion,
  };
  const { k, candidates } = config;

  let lap = stopwatch();
  const collection = await loadCranfield(options.dataDir);
  const relevant = relevantDocumentsByQuery(collection.judgements);
  const documents = collection.documents.map((d) => {
    const text = normalizeDocument(`${d.title}\n\n${d.body}`, 'text');
    const chunks = chunkText(text, config.chunking).map((c) => ({ ...c, id: `${d.id}:${c.index}` }));
    return { id: d.id, title: d.title, text, chunks };
  });
  const chunks = documents.flatMap((d) =>
    d.chunks.map((c) => ({ id: c.id, documentId: d.id, text: c.text })),
  );
  const loadMs = lap();

  lap = stopwatch();
  const embedder = createHashingEmbedder(config.embedder);
  const dimension = embedder.dimension;
  const matrix = new Float32Array(chunks.length * dimension);
  chunks.forEach((chunk, i) => matrix.set(embedder.embed(chunk.text), i * dimension));
  const embedMs = lap();

  lap = stopwatch();
  const index = await createPostgresKeywordIndex(options.databaseUrl);
  const results: ModeResult[] = [];
  try {
    await index.addDocuments(documents);
    const indexMs = lap();
    const queries = collection.queries;
    const score = (mode: EvalMode, rankings: Map<string, string[]>, ms: number): void => {
      const perQueryNdcg = [...relevant].map(([queryId, docs]) =>
        ndcgAtK(rankings.get(queryId) ?? [], docs, k),
      );
      results.push({ mode, ...meanMetrics(rankings, relevant, k), ms, perQueryNdcg });
    };

    // keyword: Postgres full-text search over chunks (BM25 in SQL), as the service runs it.
    lap = stopwatch();
    const keywordHits = await index.search(
      queries.map((q) => q.text),
      candidates,
    );
    const keywordChunkIds = keywordHits.map((hits) => hits.map((h) => h.id));
    const keywordMs = lap();
    const chunkDocument = new Map(chunks.map((c) => [c.id, c.documentId]));
    const documentsOf = (chunkIds: readonly string[]): string[] =>
      toDocuments(chunkIds.map((id) => chunkDocument.get(id)!));
    score('keyword', new Map(queries.map((q, i) => [q.id, documentsOf(keywordChunkIds[i]!)])), keywordMs);

    // keyword-index: the same BM25 from the service's in-process index (what a current index serves).
    lap = stopwatch();
    const indexHits = await index.searchInMemory(
      queries.map((q) => q.text),
      candidates,
    );
    score(
      'keyword-index',
      new Map(queries.map((q, i) => [q.id, documentsOf(indexHits[i]!.map((h) => h.id))])),
      lap(),
    );
    const keywordPaths = compareKeywordPaths(keywordHits, indexHits, k);

    // keyword-rm3: the in-process index with RM3 expansion (ADR 0014); hybrid's keyword list when configured
    // (control's is plain BM25: then this row is for comparison).
    const expandedHits = new Map<string, KeywordHit[][]>();
    const rm3 = config.keywordExpansion || { ...KEYWORD_EXPANSION_DEFAULTS };
    lap = stopwatch();
    const rm3Hits = await index.searchInMemory(
      queries.map((q) => q.text),
      candidates,
      rm3,
    );
    expandedHits.set(JSON.stringify(rm3), rm3Hits);
    const rm3Keyword = { ids: rm3Hits.map((list) => list.map((h) => h.id)), ms: lap() };
    score(
      'keyword-rm3',
      new Map(queries.map((q, i) => [q.id, documentsOf(rm3Keyword.ids[i]!)])),
      rm3Keyword.ms,
    );
    const shippedKeyword = config.keywordExpansion ? rm3Keyword : { ids: keywordChunkIds, ms: keywordMs };

    // For comparison: ts_rank_cd over an OR-ed websearch_to_tsquery (no IDF).
    if (options.compareCoverDensity !== false) {
      lap = stopwatch();
      const coverDensity = await index.search(
        queries.map((q) => q.text),
        candidates,
        { ranking: 'cover-density' },
      );
      score(
        'keyword-cover-density',
        new Map(queries.map((q, i) => [q.id, documentsOf(coverDensity[i]!.map((h) => h.id))])),
        lap(),
      );
    }

    // vector: the same hashing vectors Chroma would hold, exact cosine (dot product of unit vectors).
    lap = stopwatch();
    const searchVector = (v: ArrayLike<number>): string[] => {
      const scored: { i: number; s: number }[] = [];
      for (let i = 0; i < chunks.length; i++) {
        let dot = 0;
        const offset = i * dimension;
        for (let d = 0; d < dimension; d++) dot += matrix[offset + d]! * v[d]!;
        scored.push({ i, s: dot });
      }
      scored.sort((a, b) => b.s - a.s || a.i - b.i);
      return scored.slice(0, candidates).map(({ i }) => chunks[i]!.id);
    };
    const chunkIndex = new Map(chunks.map((c, i) => [c.id, i]));
    const vectorOf = (id: string): Float32Array => {
      const i = chunkIndex.get(id)!;
      return matrix.subarray(i * dimension, (i + 1) * dimension);
    };
    const queryVectors = queries.map((q) => embedder.embed(q.text));
    const vectorChunkIds = queryVectors.map(searchVector);
    score('vector', new Map(queries.map((q, i) => [q.id, documentsOf(vectorChunkIds[i]!)])), lap());

    // hybrid: weighted reciprocal rank fusion of the keyword list (RM3-expanded when configured) and a vector
    // list whose query is expanded towards the top keyword chunks (pseudo-relevance feedback), when configured.
    lap = stopwatch();
    const hybrid: HybridConfig = {
      candidates,
      fusion: {
        k: config.fusion.k ?? HYBRID_DEFAULTS.fusion.k,
        keywordWeight: config.fusion.keywordWeight ?? HYBRID_DEFAULTS.fusion.keywordWeight,
        vectorWeight: config.fusion.vectorWeight ?? HYBRID_DEFAULTS.fusion.vectorWeight,
      },
      feedback: {
        chunks: config.feedback.chunks ?? 0,
        weight: config.feedback.weight ?? 0,
      },
    };
    const hybridVectorChunkIds =
      hybrid.feedback.chunks > 0
        ? queryVectors.map((v, i) =>
            searchVector(
              hybridQueryVector(v, feedbackChunkIds(shippedKeyword.ids[i]!, hybrid).map(vectorOf), hybrid),
            ),
          )
        : vectorChunkIds;
    const fused = queries.map((_, i) => fuseHybrid(shippedKeyword.ids[i]!, hybridVectorChunkIds[i]!, hybrid));
    score(
      'hybrid',
      new Map(queries.map((q, i) => [q.id, documentsOf(fused[i]!.map((f) => f.id))])),
      lap() + shippedKeyword.ms,
    );

    // hybrid + MMR over the best fused chunks.
    lap = stopwatch();
    const mmrRankings = new Map(
      queries.map((q, i) => {
        const pool = fused[i]!.slice(0, config.mmr.pool ?? 50).map((f) => ({ ...f, vector: vectorOf(f.id) }));
        const selected = selectMmr(pool, { lambda: config.mmr.lambda ?? 0.7 });
        return [q.id, documentsOf(selected.map((s) => s.id))];
      }),
    );
    score('hybrid+mmr', mmrRankings, lap() + shippedKeyword.ms);

    // Retrieval experiment variants, each ranked as the service ranks under it (run-eval --variants). A
    // variant with RM3 expansion gets its keyword list from the in-process index, the only path that expands.
    const keywordHitsFor = async (parameters: RetrievalParameters) => {
      const expansion = parameters.keywordExpansion;
      if (!expansion) return { hits: keywordHits, ms: keywordMs };
      const key = JSON.stringify(expansion);
      const started = stopwatch();
      let hits = expandedHits.get(key);
      if (!hits) {
        hits = await index.searchInMemory(
          queries.map((q) => q.text),
          candidates,
          expansion,
        );
        expandedHits.set(key, hits);
      }
      return { hits, ms: started() };
    };
    const halfOf = (half: QueryHalf) =>
      new Map([...relevant].filter(([queryId]) => queryHalf(queryId) === half));
    const halves = options.querySplit ? { odd: halfOf('odd'), even: halfOf('even') } : undefined;
    const variants: VariantResult[] = [];
    for (const parameters of options.variants ?? []) {
      const keyword = await keywordHitsFor(parameters);
      lap = stopwatch();
      const chunkRankings = queries.map((_, i) =>
        rankLikeVariant(parameters, {
          keyword: keyword.hits[i]!,
          vector: vectorChunkIds[i]!,
          expandedVector: (feedbackIds) =>
            searchVector(hybridQueryVector(queryVectors[i]!, feedbackIds.map(vectorOf), parameters.hybrid)),
          vectorOf,
          cosine: (id) => {
            const chunk = vectorOf(id);
            const query = queryVectors[i]!;
            let dot = 0;
            for (let d = 0; d < dimension; d++) dot += chunk[d]! * query[d]!;
            return dot;
          },
        }),
      );
      const rankings = new Map(queries.map((q, i) => [q.id, documentsOf(chunkRankings[i]!)]));
      const result = variantResult(parameters, meanMetrics(rankings, relevant, k), lap() + keyword.ms);
      if (halves) {
        result.halves = {
          odd: meanMetrics(rankings, halves.odd, k),
          even: meanMetrics(rankings, halves.even, k),
        };
        result.perQueryNdcg = Object.fromEntries(
          [...relevant].map(([queryId, docs]) => [queryId, ndcgAtK(rankings.get(queryId) ?? [], docs, k)]),
        );
      }
      variants.push(result);
    }

    // BM25 baseline from an established library, over whole documents.
    lap = stopwatch();
    const bm25Ranked = bm25Rankings(documents, queries, candidates);
    score('bm25', bm25Ranked, lap());

    return {
      dataset: 'cranfield',
      k,
      documents: documents.length,
      chunks: chunks.length,
      queries: queries.length,
      results,
      variants,
      config,
      timings: { loadMs, embedMs, indexMs, totalMs: total() },
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
      postgres: await index.serverVersion(),
      keywordPaths,
    };
  } finally {
    await index.close();
  }
}

/** A variant's chunk ranking for one query from the shared lists (the service's search-collection.ts order). */
function rankLikeVariant(
  parameters: RetrievalParameters,
  lists: {
    keyword: readonly { id: string; score: number }[];
    vector: readonly string[];
    /** The vector list for a query expanded towards these feedback chunks. */
    expandedVector: (feedbackIds: string[]) => string[];
    vectorOf: (id: string) => Float32Array;
    /** Cosine similarity of a chunk to the (unexpanded) query: the vector mode's score. */
    cosine: (id: string) => number;
  },
): string[] {
  const { hybrid } = parameters;
  const keywordIds = lists.keyword.map((h) => h.id);
  let ranked: { id: string; score: number }[];
  if (parameters.mode === 'keyword') ranked = [...lists.keyword];
  else if (parameters.mode === 'vector') ranked = lists.vector.map((id) => ({ id, score: lists.cosine(id) }));
  else {
    const feedbackIds = feedbackChunkIds(keywordIds, hybrid);
    const vectorList = feedbackIds.length > 0 ? lists.expandedVector(feedbackIds) : lists.vector;
    ranked = fuseHybrid(keywordIds, vectorList, hybrid);
  }
  if (parameters.mmrLambda === undefined) return ranked.map((r) => r.id);
  // MMR over the best MMR_POOL candidates, on their own relevance scores, as the service selects
  const pool = ranked
    .slice(0, DEFAULT_EVAL_CONFIG.mmr.pool)
    .map((r) => ({ ...r, vector: lists.vectorOf(r.id) }));
  return selectMmr(pool, { lambda: parameters.mmrLambda }).map((r) => r.id);
}

function variantResult(
  parameters: RetrievalParameters,
  metrics: RankingMetrics & { queries: number },
  ms: number,
): VariantResult {
  const result: VariantResult = {
    variant: parameters.variant,
    mode: parameters.mode,
    keywordWeight: parameters.hybrid.fusion.keywordWeight,
    vectorWeight: parameters.hybrid.fusion.vectorWeight,
    feedback: { ...parameters.hybrid.feedback },
    ...metrics,
    ms,
  };
  if (parameters.mmrLambda !== undefined) result.mmrLambda = parameters.mmrLambda;
  if (parameters.keywordExpansion) result.keywordExpansion = { ...parameters.keywordExpansion };
  return result;
}

/** How far the two keyword paths agree (see EvalReport.keywordPaths). */
export function compareKeywordPaths(
  sql: readonly (readonly { id: string; score: number }[])[],
  memory: readonly (readonly { id: string; score: number }[])[],
  k: number,
): EvalReport['keywordPaths'] {
  let identicalTopK = 0;
  let maxScoreDifference = 0;
  sql.forEach((hits, i) => {
    const other = memory[i] ?? [];
    const ids = (list: readonly { id: string }[]) => list.slice(0, k).map((h) => h.id);
    if (JSON.stringify(ids(hits)) === JSON.stringify(ids(other))) identicalTopK++;
    hits.forEach((hit, rank) => {
      if (other[rank]?.id === hit.id)
        maxScoreDifference = Math.max(maxScoreDifference, Math.abs(hit.score - other[rank]!.score));
    });
  });
  return { identicalTopK, queries: sql.length, maxScoreDifference };
}

export function resultFor(report: EvalReport, mode: EvalMode): ModeResult {
  const result = report.results.find((r) => r.mode === mode);
  if (!result) throw new Error(`no result for mode ${mode}`);
  return result;
}

/** The report as a fixed-width table. */
export function formatReportTable(report: EvalReport): string {
  const bm25 = resultFor(report, 'bm25');
  const header = [
    'mode',
    `nDCG@${report.k}`,
    `MRR@${report.k}`,
    `recall@${report.k}`,
    `P@${report.k}`,
    'vs BM25',
    'queries better/worse than BM25',
    'ms',
  ];
  const pairs = (r: ModeResult): string => {
    let wins = 0;
    let losses = 0;
    r.perQueryNdcg.forEach((x, i) => {
      const y = bm25.perQueryNdcg[i] ?? 0;
      if (x > y + 1e-9) wins++;
      else if (x < y - 1e-9) losses++;
    });
    return r.mode === 'bm25' ? '' : `${wins}/${losses}`;
  };
  const rows = report.results.map((r) => [
    r.mode,
    r.ndcg.toFixed(4),
    r.mrr.toFixed(4),
    r.recall.toFixed(4),
    r.precision.toFixed(4),
    `${r.ndcg >= bm25.ndcg ? '+' : ''}${(((r.ndcg - bm25.ndcg) / bm25.ndcg) * 100).toFixed(1)}%`,
    pairs(r),
    String(r.ms),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  return [
    `Cranfield: ${report.documents} documents, ${report.chunks} chunks, ${report.queries} queries ` +
      `(binary relevance, codes 1-4; -1 lines excluded)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `keyword paths: top ${report.k} identical (SQL vs in-process index) for ${report.keywordPaths.identicalTopK} of ` +
      `${report.keywordPaths.queries} queries; largest score difference ${report.keywordPaths.maxScoreDifference.toExponential(1)}`,
    `load ${report.timings.loadMs} ms, embed ${report.timings.embedMs} ms, index ${report.timings.indexMs} ms, ` +
      `total ${report.timings.totalMs} ms (${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, ` +
      `Postgres ${report.postgres.version})`,
  ].join('\n');
}

/** One row per retrieval experiment variant, best nDCG marked; the dataset line first. */
export function formatVariantTable(report: EvalReport): string {
  const k = report.k;
  const split = report.variants.some((v) => v.halves);
  const header = [
    'variant',
    'mode',
    'kw weight',
    'vec weight',
    'feedback',
    'MMR λ',
    'RM3 docs/terms/α',
    `nDCG@${k}`,
    `MRR@${k}`,
    `recall@${k}`,
    `P@${k}`,
    'vs control',
    ...(split ? [`nDCG@${k} odd`, `nDCG@${k} even`] : []),
    'ms',
  ];
  const control = report.variants.find((v) => v.variant === 'control');
  const rows = report.variants.map((v) => [
    v.variant,
    v.mode,
    v.mode === 'hybrid' ? String(v.keywordWeight) : '-',
    v.mode === 'hybrid' ? String(v.vectorWeight) : '-',
    v.mode === 'hybrid' && v.feedback.chunks > 0 ? `${v.feedback.chunks} × ${v.feedback.weight}` : '-',
    v.mmrLambda === undefined ? '-' : String(v.mmrLambda),
    v.keywordExpansion
      ? `${v.keywordExpansion.fbDocs}/${v.keywordExpansion.fbTerms}/${v.keywordExpansion.originalQueryWeight}`
      : '-',
    v.ndcg.toFixed(4),
    v.mrr.toFixed(4),
    v.recall.toFixed(4),
    v.precision.toFixed(4),
    control && v !== control
      ? `${v.ndcg >= control.ndcg ? '+' : ''}${(((v.ndcg - control.ndcg) / control.ndcg) * 100).toFixed(1)}%`
      : '',
    ...(split ? [v.halves?.odd.ndcg.toFixed(4) ?? '', v.halves?.even.ndcg.toFixed(4) ?? ''] : []),
    String(v.ms),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [
    `Retrieval experiment variants on Cranfield: ${report.documents} documents, ${report.queries} queries`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
