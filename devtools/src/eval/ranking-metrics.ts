/** Metrics of one ranked list of document ids against a set of relevant ids (binary relevance). */
export interface RankingMetrics {
  recall: number;
  mrr: number;
  ndcg: number;
  precision: number;
}

export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / relevant.size;
}

export function precisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / k;
}

export function reciprocalRankAtK(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): number {
  const index = ranked.slice(0, k).findIndex((id) => relevant.has(id));
  return index === -1 ? 0 : 1 / (index + 1);
}

/** nDCG@k with gain 1 for a relevant document and discount 1 / log2(rank + 1). */
export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** Mean metrics over the queries that have at least one relevant document. */
export function meanMetrics(
  rankings: ReadonlyMap<string, readonly string[]>,
  relevantByQuery: ReadonlyMap<string, ReadonlySet<string>>,
  k: number,
): RankingMetrics & { queries: number } {
  const sums = { recall: 0, mrr: 0, ndcg: 0, precision: 0 };
  let queries = 0;
  for (const [queryId, relevant] of relevantByQuery) {
    if (relevant.size === 0) continue;
    const ranked = rankings.get(queryId) ?? [];
    sums.recall += recallAtK(ranked, relevant, k);
    sums.mrr += reciprocalRankAtK(ranked, relevant, k);
    sums.ndcg += ndcgAtK(ranked, relevant, k);
    sums.precision += precisionAtK(ranked, relevant, k);
    queries++;
  }
  const mean = (x: number): number => (queries > 0 ? x / queries : 0);
  return {
    recall: mean(sums.recall),
    mrr: mean(sums.mrr),
    ndcg: mean(sums.ndcg),
    precision: mean(sums.precision),
    queries,
  };
}
