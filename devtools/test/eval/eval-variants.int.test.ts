import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import { DEFAULT_CRANFIELD_DIR } from '../../src/eval/cranfield-loader.js';
import type { EvalReport } from '../../src/eval/evaluate-retrieval.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The first `documents` Cranfield abstracts and `queries` questions, with the judgements among them. */
function writeCranfieldSubset(dir: string, documents: number, queries: number): void {
  const read = (name: string) => readFileSync(join(DEFAULT_CRANFIELD_DIR, name), 'utf8');
  const records = (text: string) => text.split(/^(?=\.I )/m).filter((r) => r.startsWith('.I '));
  writeFileSync(join(dir, 'cran.all.1400'), records(read('cran.all.1400')).slice(0, documents).join(''));
  writeFileSync(join(dir, 'cran.qry'), records(read('cran.qry')).slice(0, queries).join(''));
  const judgements = read('cranqrel')
    .split('\n')
    .filter((line) => {
      const [query, document] = line.trim().split(/\s+/).map(Number);
      return query! <= queries && document! <= documents;
    });
  writeFileSync(join(dir, 'cranqrel'), `${judgements.join('\n')}\n`);
}

interface EvalRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run eval -- …` as the npm script runs it (tsx), with only the environment given here. */
function runEval(args: string[], env: NodeJS.ProcessEnv = {}): Promise<EvalRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'devtools/src/eval/run-eval.ts', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The variant table's rows as cells (the lines after the dashed rule). */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const rule = lines.findIndex((line) => /^-+(\s+-+)+$/.test(line));
  expect(rule).toBeGreaterThan(0);
  return lines
    .slice(rule + 1)
    .filter((line) => line.trim() !== '' && !line.startsWith('wrote '))
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('npm run eval -- --variants', () => {
  let postgres: ProvidedPostgres;
  let dir: string;

  beforeAll(async () => {
    postgres = await providePostgres();
    dir = mkdtempSync(join(tmpdir(), 'slipway-eval-variants-'));
    writeCranfieldSubset(dir, 300, 40);
  });

  afterAll(async () => {
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scores control and every configured variant in one run, one row each, as the service ranks', async () => {
    const json = join(dir, 'report.json');
    const run = await runEval(['--variants', '--data', dir, '--database-url', postgres.url, '--json', json], {
      RETRIEVAL_VARIANTS: JSON.stringify({
        'keyword-only': { mode: 'keyword' },
        diverse: { keywordWeight: 2, feedback: { chunks: 0 }, mmrLambda: 0.5 },
        'keyword-rm3': { mode: 'keyword', keywordExpansion: {} },
      }),
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const rows = tableRows(run.stdout);
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['control', 'hybrid'],
      ['keyword-only', 'keyword'],
      ['diverse', 'hybrid'],
      ['keyword-rm3', 'keyword'],
    ]);
    expect(rows[2]!.slice(2, 7)).toEqual(['2', '1', '-', '0.5', '-']);
    expect(rows[3]![6]).toBe('5/10/0.5');

    const report = JSON.parse(readFileSync(json, 'utf8')) as EvalReport;
    const byVariant = new Map(report.variants.map((v) => [v.variant, v]));
    const byMode = new Map(report.results.map((r) => [r.mode, r]));
    expect(report.documents).toBe(300);
    // control is the service's default hybrid, keyword-only its keyword search, keyword-rm3 the index with
    // RM3 (ADR 0014): the same numbers as those modes
    expect(byVariant.get('control')!.ndcg).toBe(byMode.get('hybrid')!.ndcg);
    expect(byVariant.get('keyword-only')!.ndcg).toBe(byMode.get('keyword')!.ndcg);
    expect(byVariant.get('keyword-rm3')!.ndcg).toBe(byMode.get('keyword-rm3')!.ndcg);
    expect(byVariant.get('keyword-rm3')!.ndcg).not.toBe(byMode.get('keyword')!.ndcg);
    expect(byVariant.get('diverse')!.ndcg).not.toBe(byMode.get('hybrid')!.ndcg);
    for (const v of report.variants) {
      expect(v.queries).toBeGreaterThan(10);
      expect(v.ndcg).toBeGreaterThan(0.1);
      expect(rows.find((r) => r[0] === v.variant)![7]).toBe(v.ndcg.toFixed(4));
    }
  }, 180_000);

  it('prints the control row alone when no variant is configured, and refuses a bad variants file', async () => {
    const plain = await runEval(['--variants', '--data', dir, '--database-url', postgres.url]);
    expect(plain.code).toBe(0);
    expect(tableRows(plain.stdout).map((r) => r[0])).toEqual(['control']);

    const bad = join(dir, 'bad-variants.json');
    writeFileSync(bad, JSON.stringify({ 'Not A Name': {}, wide: { mmrLambda: 3 } }));
    const refused = await runEval(['--variants-file', bad, '--data', dir, '--database-url', postgres.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}: wide.mmrLambda: Too big`);
    expect(refused.stderr).toContain('"Not A Name": variant names are 1-32 of a-z');
    expect(refused.stdout).not.toContain('control');
  }, 180_000);
});
