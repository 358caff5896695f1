// `npm run preflight`: the pre-deployment check as one command with a readable report.
//   npm run preflight -- [--only a,b] [--skip a,b] [--env-file FILE] [--image-tag TAG]
// Checks: env-example, env-file, secrets, shell-scripts, alert-rules, tests, audit, image, scan.
// Each reports PASS, FAIL or skipped with the reason; exit 1 when any check fails.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configShape, secretSettings } from '@slipway/service/config/config-schema';
import { ConfigError, parseConfig } from '@slipway/service/config/load-config';
import { renderEnvExample } from '@slipway/service/config/render-config-docs';
import {
  exitCodeFor,
  parseCheckList,
  parseEnvFile,
  planChecks,
  renderReport,
  unknownSettings,
  type CheckAction,
  commandOutcome,
  progressLine,
  type CheckId,
  type CheckResult,
  type Outcome,
  type PlannedCheck,
  type PreflightOptions,
} from './preflight-plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function argValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function shellScripts(): string[] {
  const listed =
    spawnSync('git', ['ls-files', 'scripts', '.ci'], { cwd: root, encoding: 'utf8' }).stdout ?? '';
  return listed
    .split('\n')
    .filter(Boolean)
    .filter((file) => {
      try {
        return /^#!\s*(\/usr\/bin\/env bash|\/bin\/bash|\/bin\/sh)/.test(
          readFileSync(path.join(root, file), 'utf8').slice(0, 40),
        );
      } catch {
        return false;
      }
    });
}

type Completed = { outcome: Outcome; detail: string; output: string };

/** How often a running check reports that it is still running (npm test takes minutes). */
const PROGRESS_EVERY_MS = 15_000;

function runBuiltin(action: Extract<CheckAction, { kind: 'builtin' }>): Completed {
  if (action.name === 'env-example') {
    const committed = readFileSync(path.join(root, '.env.example'), 'utf8');
    return committed === renderEnvExample()
      ? { outcome: 'pass', detail: '', output: '' }
      : { outcome: 'fail', detail: 'stale: run `npm run config:docs` and commit', output: '' };
  }
  const file = action.envFile as string;
  const env = parseEnvFile(readFileSync(file, 'utf8'));
  const unknown = unknownSettings(env, Object.keys(configShape), secretSettings);
  const problems = unknown.map((name) => `${name} is not a setting of the service (typo?)`);
  try {
    parseConfig({ NODE_ENV: 'production', ...env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  return problems.length === 0
    ? { outcome: 'pass', detail: '', output: '' }
    : {
        outcome: 'fail',
        detail: `${problems.length} problem(s): ${problems[0]}`,
        output: problems.join('\n'),
      };
}

const lastLine = (output: string) =>
  output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1) ?? '';

function runCommand(id: CheckId, action: Extract<CheckAction, { kind: 'command' }>): Promise<Completed> {
  return new Promise((resolve) => {
    const [command, ...args] = action.argv;
    const started = Date.now();
    const child = spawn(command as string, args, {
      cwd: path.join(root, action.cwd ?? '.'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const progress = setInterval(() => {
      process.stderr.write(
        `${progressLine(id, (Date.now() - started) / 1000, lastLine(output.slice(-2000)))}\n`,
      );
    }, PROGRESS_EVERY_MS);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      clearInterval(progress);
      resolve({ outcome: 'fail', detail: error.message, output });
    });
    child.on('close', (code) => {
      clearInterval(progress);
      const { outcome, detail } = commandOutcome(id, code, output);
      resolve({
        outcome,
        detail: outcome === 'fail' ? `${detail}: ${action.argv.slice(0, 4).join(' ')}` : detail,
        output,
      });
    });
  });
}

async function run(check: PlannedCheck, passed: Set<string>): Promise<CheckResult & { output: string }> {
  const base = { id: check.id, title: check.title, seconds: 0, output: '' };
  if (!check.action) return { ...base, outcome: 'skipped', detail: check.skipReason ?? '' };
  if (check.requires && !passed.has(check.requires))
    return { ...base, outcome: 'skipped', detail: `needs ${check.requires} to pass` };
  process.stderr.write(`preflight: ${check.id} …\n`);
  const started = Date.now();
  let completed: Completed;
  try {
    completed =
      check.action.kind === 'builtin' ? runBuiltin(check.action) : await runCommand(check.id, check.action);
  } catch (error) {
    completed = { outcome: 'fail', detail: (error as Error).message, output: '' };
  }
  if (completed.outcome === 'pass') passed.add(check.id);
  return { ...base, ...completed, seconds: (Date.now() - started) / 1000 };
}

const usage = `Usage: npm run preflight -- [--only a,b] [--skip a,b] [--env-file FILE] [--image-tag TAG]
  The pre-deployment check as one report. Checks: env-example, env-file, secrets, shell-scripts,
  alert-rules, tests, audit, image, scan. Each is PASS, FAIL or skipped with the reason; exit 1 when any fails.`;

/** Flags that take a value; anything else but --help is a mistake worth saying so. */
const VALUE_FLAGS = ['--only', '--skip', '--env-file', '--image-tag'];

function badArgument(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (!VALUE_FLAGS.includes(args[i] as string)) return args[i];
    if (args[i + 1] === undefined) return `${args[i]} (needs a value)`;
    i++;
  }
  return undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const bad = badArgument(args);
  if (bad) {
    console.error(`preflight: unknown argument ${bad}\n\n${usage}`);
    return 2;
  }
  const only = argValue(args, '--only');
  const skip = argValue(args, '--skip');
  const options: PreflightOptions = {
    only: only ? parseCheckList(only) : undefined,
    skip: skip ? parseCheckList(skip) : undefined,
    envFile: argValue(args, '--env-file'),
    imageTag: argValue(args, '--image-tag') ?? 'slipway:preflight',
  };
  const docker = onPath('docker');
  const containerEngine =
    docker !== undefined && spawnSync(docker, ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  const plan = planChecks(
    {
      containerEngine,
      tools: {
        shellcheck: onPath('shellcheck'),
        promtool: onPath('promtool'),
        trivy: onPath('trivy'),
        docker,
      },
      shellScripts: shellScripts(),
    },
    options,
  );
  const passed = new Set<string>();
  const results = [];
  for (const check of plan) results.push(await run(check, passed));

  for (const failed of results.filter((r) => r.outcome === 'fail' && r.output.trim())) {
    const lines = failed.output.trimEnd().split('\n');
    console.log(`\n---- ${failed.id} (last ${Math.min(lines.length, 40)} lines) ----`);
    console.log(lines.slice(-40).join('\n'));
  }
  console.log(`\n${renderReport(results)}`);
  return exitCodeFor(results);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`preflight: ${(error as Error).message}`);
    process.exit(2);
  },
);
