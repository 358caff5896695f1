// The result files ci.yml's jobs write (.github/scripts/write-gate-result.mjs) are valid input for the
// PR report: checked with actions/pr-report's own result-file validator.
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResultFile } from '../../actions/pr-report/src/read-result-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-gate-result-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(env: Record<string, string>): { text: string; stdout: string } {
  const file = path.join(dir, `${Object.keys(env).length}-${Math.random().toString(36).slice(2)}.json`);
  const stdout = execFileSync(process.execPath, [path.join(root, '.github/scripts/write-gate-result.mjs')], {
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/slipway',
      GITHUB_RUN_ID: '42',
      GATE_FILE: file,
      ...env,
    },
    encoding: 'utf8',
  });
  return { text: readFileSync(file, 'utf8'), stdout };
}

describe('write-gate-result.mjs', () => {
  it('a failed step makes a failing, valid result linking the run', () => {
    const { text } = write({
      GATE_TITLE: 'Static checks',
      GATE_OUTCOMES: JSON.stringify({ Lint: 'success', Typecheck: 'failure', 'Secret scan': '' }),
    });
    const { results, invalid } = readResultFile(text, 'static-checks.json');
    expect(invalid).toBeUndefined();
    expect(results).toEqual([
      expect.objectContaining({
        kind: 'generic',
        title: 'Static checks',
        status: 'fail',
        summary: 'Lint: success · Typecheck: failure · Secret scan: skipped',
        url: 'https://github.com/acme/slipway/actions/runs/42',
      }),
    ]);
  });

  it('a scan result carries the gate summary as folded details', () => {
    const { text } = write({
      GATE_TITLE: 'Image scan (Trivy)',
      GATE_KIND: 'scan',
      GATE_OUTCOMES: JSON.stringify({ 'Scan gate': 'success' }),
      GATE_SUMMARY: 'blocking: 0, findings: 3',
      GATE_DETAILS: '| severity | count |\n|---|---|\n| HIGH | 3 |',
    });
    const { results, invalid } = readResultFile(text, 'image-scan.json');
    expect(invalid).toBeUndefined();
    expect(results[0]).toEqual(
      expect.objectContaining({ kind: 'scan', status: 'pass', summary: 'blocking: 0, findings: 3' }),
    );
    expect(results[0]?.details).toContain('| HIGH | 3 |');
  });

  it('nothing ran (all skipped) is informational, not a pass', () => {
    const { text } = write({ GATE_TITLE: 'Tests', GATE_KIND: 'jest', GATE_OUTCOMES: '{"Tests": "skipped"}' });
    expect(readResultFile(text, 'tests.json').results[0]?.status).toBe('info');
  });
});
