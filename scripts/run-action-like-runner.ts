// Test support: runs an action's bundled dist/index.js the way the GitHub runner does — inputs as
// INPUT_<NAME> environment variables (upper-cased, dashes kept), outputs and the job summary through the
// files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY — and parses what the action wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunnerResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunnerOptions {
  /** Path to the action's entry file, e.g. <action>/dist/index.js */
  entry: string;
  inputs?: Record<string, string>;
  /** Extra environment (GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, ...). */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Name of the environment variable the runner sets for an input (see @actions/core getInput). */
export function inputVariableName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses a GitHub file-command file (`name<<DELIMITER\nvalue\nDELIMITER` or `name=value` lines). */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const valueLines: string[] = [];
      index += 1;
      while (index < lines.length && lines[index] !== delimiter) valueLines.push(lines[index++] ?? '');
      if (index >= lines.length) throw new Error(`unterminated value for ${name}`);
      values[name as string] = valueLines.join('\n');
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) throw new Error(`malformed file-command line: ${line}`);
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return values;
}

export async function runActionLikeRunner(options: RunnerOptions): Promise<RunnerResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'slipway-runner-'));
  const outputFile = path.join(scratch, 'output');
  const summaryFile = path.join(scratch, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: scratch,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputVariableName(name)] = value;
  try {
    const { exitCode, stdout, stderr } = await new Promise<{
      exitCode: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, [options.entry], { cwd: options.cwd, env, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, stdout, stderr });
      });
    });
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseFileCommands(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
