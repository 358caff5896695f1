// Every deploy target (DEPLOY_TARGET: ssh, swarm, kubernetes) goes through the same job of
// deploy-environment.yml — so the same environment gate, concurrency group and Deployment record — and
// gets the same smoke check and a rollback when that smoke check fails (docs/scaling.md).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflow = parse(readFileSync(path.join(root, '.github/workflows/deploy-environment.yml'), 'utf8')) as {
  jobs: Record<string, { steps: Step[]; environment?: unknown; concurrency?: unknown }>;
};
const steps = workflow.jobs.deploy?.steps ?? [];
const forTarget = (target: string) => (step: Step) =>
  target === 'ssh'
    ? String(step.if ?? '').includes("(vars.DEPLOY_TARGET || 'ssh') == 'ssh'")
    : String(step.if ?? '').includes(`vars.DEPLOY_TARGET == '${target}'`);
const afterFailedSmoke = (step: Step) => String(step.if ?? '').includes("steps.smoke.outcome == 'failure'");

describe('deploy targets in deploy-environment.yml', () => {
  it('one deploy job, gated by the environment, in its per-environment concurrency group', () => {
    expect(workflow.jobs.deploy?.environment).toBeDefined();
    expect(workflow.jobs.deploy?.concurrency).toEqual({
      group: 'deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
  });

  it.each([
    ['ssh', './actions/deploy'],
    ['swarm', 'compose/swarm-deploy.sh'],
    ['kubernetes', 'deploy/kubernetes/deploy.sh'],
  ])('%s: a deploy step and a rollback after a failed smoke check', (target, tool) => {
    const targeted = steps.filter(forTarget(target));
    const deploys = targeted.filter(
      (step) => !afterFailedSmoke(step) && (step.uses ?? step.run ?? '').includes(tool),
    );
    const rollbacks = targeted.filter(afterFailedSmoke);
    expect(deploys).toHaveLength(1);
    expect(rollbacks).toHaveLength(1);
    const rollback = rollbacks[0] as Step;
    expect(rollback.uses ? 'rollback' : rollback.run).toMatch(/rollback/);
    expect(steps.indexOf(rollback)).toBeGreaterThan(steps.findIndex((step) => step.id === 'smoke'));
  });

  it('the smoke check runs whatever the target', () => {
    const smoke = steps.find((step) => step.id === 'smoke');
    expect(smoke?.if ?? '').not.toMatch(/DEPLOY_TARGET/);
  });

  it('swarm reaches the manager over SSH with the pinned host key only', () => {
    const swarm = steps.find((step) => step.id === 'swarm');
    expect(swarm?.env?.DOCKER_HOST).toMatch(/^ssh:\/\//);
    const pin = steps.find((step) => forTarget('swarm')(step) && (step.run ?? '').includes('known_hosts'));
    expect(pin?.run).toContain('StrictHostKeyChecking yes');
  });
});
