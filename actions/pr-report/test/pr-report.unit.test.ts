import { describe, expect, it } from '@jest/globals';
import { findPullRequest } from '../src/find-pull-request.js';
import { isPermissionDenied } from '../src/publish-sticky-comment.js';
import { readResultFile } from '../src/read-result-file.js';
import { maxCommentLength, overallStatus, renderPrReport, reportMarker } from '../src/render-pr-report.js';

const jest = { kind: 'jest', title: 'Unit tests', status: 'pass', summary: '412 passed' } as const;

describe('readResultFile', () => {
  it('reads one result or an array of results', () => {
    expect(readResultFile(JSON.stringify(jest), 'a.json')).toEqual({
      results: [{ ...jest, source: 'a.json' }],
    });
    const many = readResultFile(
      JSON.stringify([jest, { ...jest, kind: 'coverage', title: 'Coverage' }]),
      'b.json',
    );
    expect(many.results.map((result) => result.kind)).toEqual(['jest', 'coverage']);
    expect(many.invalid).toBeUndefined();
  });

  it('keeps optional details and url', () => {
    const { results } = readResultFile(
      JSON.stringify({ ...jest, details: '- a\n- b', url: 'https://example.com/run/1' }),
      'c.json',
    );
    expect(results[0]).toMatchObject({ details: '- a\n- b', url: 'https://example.com/run/1' });
  });

  it('lists every schema problem', () => {
    const { results, invalid } = readResultFile(
      JSON.stringify({ kind: 'lint', status: 'ok', summary: '', url: 'javascript:alert(1)', extra: 1 }),
      'bad.json',
    );
    expect(results).toEqual([]);
    expect(invalid?.errors).toEqual([
      'result: "kind" must be one of jest, coverage, scan, eval, image, generic',
      'result: "status" must be one of pass, fail, info',
      'result: "title" must be a non-empty string',
      'result: "summary" must be a non-empty string',
      'result: "url" must be an http(s) URL',
      'result: unknown field(s) extra',
    ]);
  });

  it('reports invalid JSON and keeps the valid entries of a partly valid array', () => {
    expect(readResultFile('{nope', 'x.json').invalid?.errors[0]).toMatch(/^invalid JSON/);
    const partial = readResultFile(JSON.stringify([jest, 42]), 'y.json');
    expect(partial.results).toHaveLength(1);
    expect(partial.invalid?.errors).toEqual(['[1]: expected an object']);
  });
});

describe('renderPrReport', () => {
  const results = [
    { ...jest, source: 'a' },
    {
      kind: 'scan' as const,
      title: 'Image scan',
      status: 'fail' as const,
      summary: '1 | blocking',
      details: '| table |',
      source: 'b',
    },
    {
      kind: 'image' as const,
      title: 'Image',
      status: 'info' as const,
      summary: '`sha256:abc`',
      url: 'https://ghcr.io/x',
      source: 'c',
    },
  ];

  it('starts with the hidden marker and shows failures first', () => {
    const body = renderPrReport(results, [], {
      title: 'Slipway PR report',
      sha: '0123456789abcdef',
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(body.startsWith(`${reportMarker}\n## ❌ Slipway PR report`)).toBe(true);
    const rows = body.split('\n').filter((line) => line.includes('<sub>') && line.startsWith('| '));
    expect(rows.map((row) => row.split(' | ')[0])).toEqual(['| ❌', '| ✅', '| ℹ️']);
    expect(body).toContain('| ❌ | Image scan <sub>scan</sub> | 1 \\| blocking |');
    expect(body).toContain('[Image](https://ghcr.io/x)');
    expect(body).toContain('<details><summary>❌ Image scan</summary>');
    expect(body).toContain(
      'Updated for commit 0123456 · [workflow run](https://github.com/o/r/actions/runs/1)',
    );
  });

  it('marks the report failed when a result file is invalid, and lists it', () => {
    const body = renderPrReport(
      [{ ...jest, source: 'a' }],
      [{ source: 'r/bad.json', errors: ['invalid JSON'] }],
      { title: 'T' },
    );
    expect(body).toContain('## ❌ T');
    expect(body).toContain('- `r/bad.json`: invalid JSON');
  });

  it('stays under GitHub’s comment size limit', () => {
    const huge = Array.from({ length: 10 }, (_, index) => ({
      ...jest,
      title: `T${index}`,
      details: 'x'.repeat(30_000),
      source: 's',
    }));
    const body = renderPrReport(huge, [], { title: 'T' });
    expect(body.length).toBeLessThanOrEqual(maxCommentLength);
    expect(body).toContain('…(truncated)');
  });

  it('says so when there are no results', () => {
    expect(renderPrReport([], [], { title: 'T' })).toContain('_No results were reported._');
  });

  it('computes the overall status', () => {
    expect(overallStatus([], [])).toBe('info');
    expect(overallStatus([{ ...jest, source: 'a' }], [])).toBe('pass');
    expect(overallStatus([{ ...jest, status: 'fail', source: 'a' }], [])).toBe('fail');
  });
});

describe('findPullRequest', () => {
  it('finds the PR of pull_request and pull_request_target events', () => {
    expect(findPullRequest({ pull_request: { number: 7, head: { sha: 'abc' } } }, 'octo/slipway')).toEqual({
      owner: 'octo',
      repo: 'slipway',
      number: 7,
      headSha: 'abc',
    });
  });

  it('finds the PR of an issue_comment on a pull request, but not on an issue', () => {
    expect(findPullRequest({ issue: { number: 3, pull_request: { url: 'u' } } }, 'o/r')?.number).toBe(3);
    expect(findPullRequest({ issue: { number: 3 } }, 'o/r')).toBeUndefined();
  });

  it('returns undefined for push events and missing repository', () => {
    expect(findPullRequest({ ref: 'refs/heads/main' }, 'o/r')).toBeUndefined();
    expect(findPullRequest({ pull_request: { number: 1 } }, '')).toBeUndefined();
    expect(findPullRequest(undefined, 'o/r')).toBeUndefined();
  });
});

describe('isPermissionDenied', () => {
  it('is true only for HTTP 403', () => {
    expect(isPermissionDenied({ status: 403 })).toBe(true);
    expect(isPermissionDenied({ status: 401 })).toBe(false);
    expect(isPermissionDenied(new Error('x'))).toBe(false);
  });
});
