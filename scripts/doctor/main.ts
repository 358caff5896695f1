// `npm run doctor`: is this machine and this fork ready? Local prerequisites, then — with a token in
// GITHUB_TOKEN or GH_TOKEN — the secrets, variables and environments ci.yml and deploy.yml need (names
// only, never values). Prints exactly what is missing and the command that sets it; exit 1 when a
// required item is missing.
//   --repo OWNER/NAME   repository to check (default: GITHUB_REPOSITORY, else the origin remote)
//   --local-only        skip the GitHub checks
// GITHUB_API_URL overrides https://api.github.com (GitHub Enterprise Server, tests).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  evaluateLocal,
  evaluateRepository,
  renderChecks,
  repositoryFromRemote,
} from './evaluate-readiness.js';
import type { Check, ContainerEngineFacts } from './evaluate-readiness.js';
import { GitHubApiError, readRepositorySettings } from './read-github-settings.js';

function versionOf(command: string, args: string[]): string | undefined {
  try {
    const output = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    return /(\d+\.\d+(\.\d+)?)/.exec(output)?.[1];
  } catch {
    return undefined;
  }
}

/** The container CLI on PATH (docker first) and whether its daemon answers `info` within 10 s. */
function containerEngine(): ContainerEngineFacts | undefined {
  const cli = ['docker', 'podman'].find((engine) => versionOf(engine, ['--version']) !== undefined);
  if (!cli) return undefined;
  const info = spawnSync(cli, ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (info.status === 0) return { cli, daemonAnswers: true };
  const error = `${info.stderr ?? ''}`.split('\n').find((line) => line.trim() !== '');
  return {
    cli,
    daemonAnswers: false,
    error: error?.trim().slice(0, 160) ?? (info.error ? 'timed out' : undefined),
  };
}

function argValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

const usage = `Usage: npm run doctor -- [--repo OWNER/NAME] [--local-only]
  Is this machine and this fork ready? Local prerequisites, then (with GITHUB_TOKEN or GH_TOKEN) the secrets,
  variables and environments the workflows need (names only). Exit 1 when a required item is missing.`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const local = evaluateLocal({
    nodeVersion: process.versions.node,
    npmVersion: versionOf('npm', ['--version']),
    gitVersion: versionOf('git', ['--version']),
    containerEngine: containerEngine(),
    ghVersion: versionOf('gh', ['--version']),
  });
  console.log(renderChecks('Local prerequisites', local));
  const all: Check[] = [...local];

  if (!args.includes('--local-only')) {
    let remote: string | undefined;
    try {
      remote = execFileSync('git', ['remote', 'get-url', 'origin'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      remote = undefined;
    }
    const repository =
      argValue(args, '--repo') ??
      process.env.GITHUB_REPOSITORY ??
      (remote ? repositoryFromRemote(remote) : undefined);
    const token = process.env.GITHUB_TOKEN ?? process.env.GH_TOKEN;
    console.log('');
    if (!repository) {
      all.push({
        status: 'missing',
        what: 'which GitHub repository to check',
        fix: 'npm run doctor -- --repo OWNER/NAME',
      });
      console.log(renderChecks('GitHub', all.slice(-1)));
    } else if (!token) {
      all.push({
        status: 'missing',
        what: `a token to read ${repository}'s settings`,
        fix: 'GITHUB_TOKEN=$(gh auth token) npm run doctor   (names only are read, never values)',
      });
      console.log(renderChecks(`GitHub: ${repository}`, all.slice(-1)));
    } else {
      const api = { baseUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com', token };
      try {
        const checks = evaluateRepository(await readRepositorySettings(api, repository));
        all.push(...checks);
        console.log(renderChecks(`GitHub: ${repository}`, checks));
      } catch (error) {
        const reason =
          error instanceof GitHubApiError
            ? error.message
            : `cannot reach ${api.baseUrl}: ${error instanceof Error ? error.message : String(error)}`;
        all.push({
          status: 'missing',
          what: `read access to ${repository}'s settings (${reason})`,
          fix: 'use a token with admin access to the repository, e.g. GITHUB_TOKEN=$(gh auth token)',
        });
        console.log(renderChecks(`GitHub: ${repository}`, all.slice(-1)));
      }
    }
  }

  const missing = all.filter((check) => check.status === 'missing').length;
  const warnings = all.filter((check) => check.status === 'warn').length;
  console.log(
    `\n${missing === 0 ? 'Ready' : `${missing} missing`}${warnings ? `, ${warnings} warning(s)` : ''}. See docs/getting-started.md.`,
  );
  return missing === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
