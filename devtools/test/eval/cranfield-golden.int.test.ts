import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import { checkAgainstBaseline, readBaseline } from '../../src/eval/compare-with-baseline.js';
import { evaluateRetrieval, resultFor, type EvalReport } from '../../src/eval/evaluate-retrieval.js';

// The RAG quality gate inside `npm test`: the whole Cranfield evaluation against a real Postgres.
describe('Cranfield golden set', () => {
  let postgres: ProvidedPostgres;
  let report: EvalReport;

  beforeAll(async () => {
    postgres = await providePostgres();
    report = await evaluateRetrieval({ databaseUrl: postgres.url, compareCoverDensity: false });
  }, 170_000);

  afterAll(async () => {
    await postgres?.stop();
  });

  it('keeps hybrid nDCG@10 at the committed baseline (minus tolerance) and at or above BM25', async () => {
    const gate = checkAgainstBaseline(report, await readBaseline());
    expect(gate.failures).toEqual([]);
    expect(resultFor(report, 'hybrid').ndcg).toBeGreaterThanOrEqual(resultFor(report, 'bm25').ndcg);
  });

  it("serves the SQL path's exact top 10 from the in-process BM25 index, for every Cranfield question", () => {
    expect(report.keywordPaths).toMatchObject({ identicalTopK: 225, queries: 225 });
    // the same float8 terms, summed in another order
    expect(report.keywordPaths.maxScoreDifference).toBeLessThan(1e-9);
    expect(resultFor(report, 'keyword-index').ndcg).toBe(resultFor(report, 'keyword').ndcg);
  });

  it('scores every query with judgements, in every mode', () => {
    expect(report.documents).toBe(1400);
    expect(report.queries).toBe(225);
    for (const result of report.results) {
      expect(result.queries).toBe(225);
      expect(result.ndcg).toBeGreaterThan(0.2);
    }
    // The BM25 baseline agrees with the reference figure in the collection's README (0.394).
    expect(resultFor(report, 'bm25').ndcg).toBeCloseTo(0.39, 1);
  });
});
