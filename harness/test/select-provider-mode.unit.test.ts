import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  detectDockerEngine,
  dockerEndpoint,
  selectProviderMode,
  useMachineServers,
  type ProvidedService,
} from '../src/select-provider-mode.js';

const services: ProvidedService[] = ['postgres', 'redis', 'chroma'];
const urlVariable = {
  postgres: 'TEST_DATABASE_URL',
  redis: 'TEST_REDIS_URL',
  chroma: 'TEST_CHROMA_URL',
} as const;
const up = { dockerReachable: true };
const down = { dockerReachable: false };

describe('selectProviderMode', () => {
  it.each(services)('%s: an explicit URL wins over everything', (service) => {
    const env = { [urlVariable[service]]: 'x://somewhere', SLIPWAY_TEST_PROVIDER: 'local' };
    expect(selectProviderMode(service, env, up)).toBe('external');
    expect(selectProviderMode(service, env, down)).toBe('external');
  });

  it.each(services)("%s: another service's URL does not count", (service) => {
    const other = services.find((candidate) => candidate !== service) as ProvidedService;
    expect(selectProviderMode(service, { [urlVariable[other]]: 'x://somewhere' }, down)).toBe('local');
  });

  it('an empty or blank URL counts as unset', () => {
    expect(selectProviderMode('postgres', { TEST_DATABASE_URL: '' }, up)).toBe('testcontainers');
    expect(selectProviderMode('redis', { TEST_REDIS_URL: '  ' }, down)).toBe('local');
  });

  it.each(services)('%s: Testcontainers when an engine answers, else local', (service) => {
    expect(selectProviderMode(service, {}, up)).toBe('testcontainers');
    expect(selectProviderMode(service, {}, down)).toBe('local');
  });

  it('SLIPWAY_TEST_PROVIDER forces local or testcontainers whatever the engine says', () => {
    expect(selectProviderMode('chroma', { SLIPWAY_TEST_PROVIDER: 'local' }, up)).toBe('local');
    expect(selectProviderMode('chroma', { SLIPWAY_TEST_PROVIDER: 'testcontainers' }, down)).toBe(
      'testcontainers',
    );
    expect(selectProviderMode('chroma', { SLIPWAY_TEST_PROVIDER: '' }, up)).toBe('testcontainers');
  });

  it('an unknown SLIPWAY_TEST_PROVIDER is an error, not a silent default', () => {
    expect(() => selectProviderMode('redis', { SLIPWAY_TEST_PROVIDER: 'docker' }, up)).toThrow(
      /SLIPWAY_TEST_PROVIDER=docker is not valid.*TEST_REDIS_URL/,
    );
    expect(() => selectProviderMode('redis', { SLIPWAY_TEST_PROVIDER: 'external' }, up)).toThrow(/not valid/);
  });

  it('SLIPWAY_TEST_MACHINE_SERVERS=off skips the machine servers', () => {
    expect(useMachineServers({})).toBe(true);
    expect(useMachineServers({ SLIPWAY_TEST_MACHINE_SERVERS: 'off' })).toBe(false);
    expect(useMachineServers({ SLIPWAY_TEST_MACHINE_SERVERS: 'OFF' })).toBe(false);
  });
});

describe('dockerEndpoint', () => {
  it('reads DOCKER_HOST or falls back to the default socket', () => {
    expect(dockerEndpoint({})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/podman/podman.sock' })).toEqual({
      socketPath: '/run/podman/podman.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toEqual({ host: '10.0.0.5', port: 2376 });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://docker' })).toEqual({ host: 'docker', port: 2375 });
    expect(dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toBeUndefined();
  });
});

describe('detectDockerEngine (against a local HTTP server speaking /_ping)', () => {
  let dir: string;
  let server: Server;
  let status = 200;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-docker-ping-'));
    server = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? status : 404;
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'engine.sock'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reachable when the socket answers 200', async () => {
    status = 200;
    const socket = join(dir, 'engine.sock');
    await expect(detectDockerEngine({ DOCKER_HOST: `unix://${socket}` })).resolves.toEqual({
      dockerReachable: true,
      socket,
    });
  });

  it('not reachable when the engine answers an error', async () => {
    status = 500;
    await expect(detectDockerEngine({ DOCKER_HOST: `unix://${join(dir, 'engine.sock')}` })).resolves.toEqual({
      dockerReachable: false,
    });
  });

  it('not reachable when nothing listens', async () => {
    await expect(detectDockerEngine({ DOCKER_HOST: `unix://${join(dir, 'missing.sock')}` })).resolves.toEqual(
      {
        dockerReachable: false,
      },
    );
    await expect(detectDockerEngine({ DOCKER_HOST: 'ssh://me@host' })).resolves.toEqual({
      dockerReachable: false,
    });
  });
});
