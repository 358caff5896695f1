// compose/swarm-stack.yml carries the guarantees the Swarm e2e relies on and docs/scaling.md promises; this
// checks them on the file itself, and shows each check failing on a stack that lacks it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any -- a parsed compose file */
type Stack = { services: Record<string, any>; secrets?: Record<string, any> };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readStack = (): Stack =>
  parse(readFileSync(path.join(repoRoot, 'compose/swarm-stack.yml'), 'utf8')) as Stack;

/** One sentence per missing guarantee of the API service; [] when the stack holds. */
function stackViolations(stack: Stack): string[] {
  const api = stack.services.api ?? {};
  const deploy = api.deploy ?? {};
  const update = deploy.update_config ?? {};
  const problems: string[] = [];
  const test = JSON.stringify(api.healthcheck?.test ?? '');
  if (!test.includes('/health/ready')) problems.push('no healthcheck on /health/ready');
  if (update.order !== 'start-first') problems.push('updates are not start-first');
  if (update.failure_action !== 'rollback') problems.push('a failed update is not rolled back');
  if (!update.monitor) problems.push('no monitor window');
  if (!deploy.rollback_config) problems.push('no rollback_config');
  if (!deploy.resources?.limits?.memory || !deploy.resources?.limits?.cpus)
    problems.push('no resource limits');
  if (api.read_only !== true) problems.push('root filesystem is writable');
  if (deploy.endpoint_mode !== 'dnsrr') problems.push('not dnsrr (nginx finds the tasks by DNS, ADR 0104)');
  const environment = api.environment ?? {};
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'API_KEY_PEPPER']) {
    if (name in environment) problems.push(`${name} is an environment variable, not a secret file`);
    if (!String(environment[`${name}_FILE`] ?? '').startsWith('/run/secrets/')) {
      problems.push(`${name}_FILE does not point at a Docker secret`);
    }
  }
  for (const secret of Object.values(stack.secrets ?? {})) {
    if (secret?.external !== true) problems.push('a secret is defined in the stack file instead of external');
  }
  return problems;
}

describe('compose/swarm-stack.yml', () => {
  test('holds every guarantee', () => {
    expect(stackViolations(readStack())).toEqual([]);
  });

  test('nginx publishes in host mode (no IPVS needed) and runs read-only as non-root', () => {
    const proxy = readStack().services.proxy;
    expect(proxy.ports).toEqual([expect.objectContaining({ mode: 'host', target: 8080 })]);
    expect(proxy.read_only).toBe(true);
    expect(proxy.user).toBe('101:101');
  });

  const breakages: [string, (stack: Stack) => void, RegExp][] = [
    [
      'healthcheck on /health/live',
      (s) => (s.services.api.healthcheck.test = ['CMD', 'true', '/health/live']),
      /ready/,
    ],
    ['stop-first updates', (s) => (s.services.api.deploy.update_config.order = 'stop-first'), /start-first/],
    [
      'failure_action pause',
      (s) => (s.services.api.deploy.update_config.failure_action = 'pause'),
      /rolled back/,
    ],
    ['no monitor', (s) => delete s.services.api.deploy.update_config.monitor, /monitor/],
    ['no rollback_config', (s) => delete s.services.api.deploy.rollback_config, /rollback_config/],
    ['no limits', (s) => delete s.services.api.deploy.resources.limits, /limits/],
    ['writable root', (s) => delete s.services.api.read_only, /writable/],
    ['VIP endpoint mode', (s) => delete s.services.api.deploy.endpoint_mode, /dnsrr/],
    [
      'a secret in the environment',
      (s) => (s.services.api.environment.DATABASE_URL = 'postgres://x'),
      /not a secret/,
    ],
    ['an inline secret', (s) => (s.secrets = { ...s.secrets, extra: { file: './x' } }), /external/],
  ];
  test.each(breakages)('fails on %s', (_name, breakIt, message) => {
    const stack = readStack();
    breakIt(stack);
    expect(stackViolations(stack).join('\n')).toMatch(message);
  });
});
