import { describe, expect, it } from '@jest/globals';
import { evaluateLocal, type LocalFacts } from '../evaluate-readiness.js';

const facts: LocalFacts = {
  nodeVersion: '24.1.0',
  npmVersion: '11.0.0',
  gitVersion: '2.43.0',
  containerEngine: { cli: 'docker', daemonAnswers: true },
  ghVersion: '2.60.0',
};
const engineCheck = (engine: LocalFacts['containerEngine']) =>
  evaluateLocal({ ...facts, containerEngine: engine }).find((c) => /docker|podman/.test(c.what));

describe('evaluateLocal: container engine', () => {
  it('is ok only when the daemon answers', () => {
    expect(engineCheck({ cli: 'docker', daemonAnswers: true })).toMatchObject({ status: 'ok' });
  });

  it('warns when the CLI is there but no daemon answers, with the error and a fix', () => {
    expect(
      engineCheck({ cli: 'docker', daemonAnswers: false, error: 'Cannot connect to the Docker daemon' }),
    ).toEqual({
      status: 'warn',
      what: 'docker is installed but no daemon answers `docker info` (Cannot connect to the Docker daemon)',
      fix: 'start the docker daemon, or point DOCKER_HOST at a running one',
    });
  });

  it('warns when there is no engine at all', () => {
    expect(engineCheck(undefined)).toMatchObject({
      status: 'warn',
      what: expect.stringMatching(/^no docker/),
    });
  });
});
