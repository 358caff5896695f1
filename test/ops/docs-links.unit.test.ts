import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The ops docs and the alerts' runbook annotations point at files and headings that exist.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1] ?? '')));
}

function checkTarget(fromFile: string, target: string): string | undefined {
  const [filePart, anchor] = target.split('#');
  const file = filePart ? path.resolve(path.dirname(fromFile), filePart) : fromFile;
  if (!existsSync(file)) return `${path.relative(root, fromFile)} → ${target}: no such file`;
  if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor))
    return `${path.relative(root, fromFile)} → ${target}: no heading #${anchor}`;
  return undefined;
}

const opsDocs = [
  path.join(root, 'docs/operations.md'),
  path.join(root, 'docs/security.md'),
  path.join(root, 'docs/adr/0010-untrusted-passages-in-llm-answers.md'),
  ...readdirSync(path.join(root, 'docs/runbooks'))
    .filter((f) => f.endsWith('.md') && f !== 'rollback.md')
    .map((f) => path.join(root, 'docs/runbooks', f)),
];

describe('ops docs', () => {
  it('computes GitHub heading anchors', () => {
    expect(headingAnchor('The switch, and why this one')).toBe('the-switch-and-why-this-one');
    expect(headingAnchor('Redis or Chroma down')).toBe('redis-or-chroma-down');
    expect(headingAnchor('`API_KEY_PEPPER`')).toBe('api_key_pepper');
  });

  it('has every runbook the operations page lists', () => {
    for (const name of [
      'deploy',
      'incident-response',
      'backup-restore',
      'rotate-secrets',
      'tls-renewal',
      'scaling',
      'troubleshooting',
    ]) {
      expect(existsSync(path.join(root, 'docs/runbooks', `${name}.md`))).toBe(true);
    }
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of opsDocs) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const problem = checkTarget(file, target);
        if (problem) broken.push(problem);
      }
    }
    expect(broken).toEqual([]);
  });

  it("alerts' runbook annotations name existing runbook sections", () => {
    const rules = parse(readFileSync(path.join(root, 'ops/prometheus/alerts.yml'), 'utf8')) as {
      groups: { rules: { alert?: string; annotations?: { runbook?: string } }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const broken = alerts
      .map((r) => {
        const runbook = r.annotations?.runbook;
        return runbook
          ? checkTarget(path.join(root, 'README.md'), runbook)
          : `${r.alert}: no runbook annotation`;
      })
      .filter(Boolean);
    expect(broken).toEqual([]);
  });
});
