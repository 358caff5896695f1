import { createHmac } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { parseDeployInputs } from '../src/deploy-inputs.js';
import { decideOnExistingLock, describeHolder } from '../src/deploy-lock.js';
import { renderDeploySummary } from '../src/deploy-report.js';
import {
  afterDeploy,
  afterRollback,
  parseDfAvailableKiB,
  parseIdentity,
  emptyState,
  idleColor,
  parseState,
  parseHostUser,
  rollbackTarget,
  rollbackWindow,
  windowOpen,
} from '../src/deploy-state.js';
import { hostCommands } from '../src/host-commands.js';
import { hostLayout } from '../src/host-layout.js';
import { entriesForHost, isHostKeyPinned, knownHostName, parseKnownHosts } from '../src/known-hosts.js';

const baseInputs = {
  host: 'deploy.example.com',
  user: 'deploy',
  'ssh-key': 'KEY',
  'known-hosts': 'deploy.example.com ssh-ed25519 AAAA',
  image: 'ghcr.io/acme/slipway@sha256:' + 'a'.repeat(64),
  environment: 'staging',
};

describe('parseDeployInputs', () => {
  test('applies defaults', () => {
    const inputs = parseDeployInputs(baseInputs);
    expect(inputs).toMatchObject({
      command: 'deploy',
      port: 22,
      appDir: '/srv/slipway/staging',
      healthPath: '/health/ready',
    });
    expect(inputs.lockTtlSeconds).toBe(1800);
  });
  test('reports every problem at once and requires known-hosts', () => {
    expect(() =>
      parseDeployInputs({
        ...baseInputs,
        'known-hosts': '',
        image: 'x;reboot',
        port: '0',
        'app-dir': 'rel/../x',
      }),
    ).toThrow(/known-hosts is required[\s\S]*image is not a valid[\s\S]*app-dir[\s\S]*port/);
  });
  test('image is only required for deploy', () => {
    expect(parseDeployInputs({ ...baseInputs, image: '', command: 'rollback' }).command).toBe('rollback');
    expect(() => parseDeployInputs({ ...baseInputs, image: '' })).toThrow(/image is required/);
  });
});

describe('known hosts', () => {
  const key = Buffer.from('pinned-key-blob');
  const other = Buffer.from('another-key-blob');
  test('matches plain [host]:port entries and refuses other keys and ports', () => {
    const entries = parseKnownHosts(`# comment\n[127.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')}\n`);
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(isHostKeyPinned(entries, '127.0.0.1', 2222, key)).toBe(true);
    expect(isHostKeyPinned(entries, '127.0.0.1', 2222, other)).toBe(false);
    expect(isHostKeyPinned(entries, '127.0.0.1', 22, key)).toBe(false);
  });
  test('matches hashed entries', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('deploy.example.com').digest('base64');
    const entries = parseKnownHosts(
      `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${key.toString('base64')}`,
    );
    expect(entriesForHost(entries, 'deploy.example.com', 22)).toHaveLength(1);
    expect(entriesForHost(entries, 'evil.example.com', 22)).toHaveLength(0);
  });
  test('rejects malformed lines', () => {
    expect(() => parseKnownHosts('onlyhost')).toThrow(/malformed/);
  });
});

describe('deploy lock decisions', () => {
  const record = (acquiredAt: string) =>
    JSON.stringify({
      id: 'a1',
      owner: 'octocat',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      command: 'deploy',
      image: 'img',
      acquiredAt,
    });
  const now = new Date('2026-01-01T00:10:00Z');
  test('a young lock is held and names its holder', () => {
    const decision = decideOnExistingLock(record('2026-01-01T00:09:00Z'), now, 600);
    expect(decision.kind).toBe('held');
    if (decision.kind === 'held') expect(describeHolder(decision.holder)).toMatch(/octocat .*runs\/1/);
  });
  test('an old or unreadable lock is stale', () => {
    expect(decideOnExistingLock(record('2026-01-01T00:00:00Z'), now, 300).kind).toBe('stale');
    expect(decideOnExistingLock('garbage', now, 300).kind).toBe('stale');
  });
});

describe('deploy state', () => {
  const slot = (image: string) => ({ image, imageId: `id-${image}`, identity: null, deployedAt: 'x' });
  test('colours alternate and the previous one is retained for rollback', () => {
    let state = emptyState('staging');
    expect(idleColor(state)).toBe('blue');
    expect(rollbackTarget(state)).toEqual({ error: expect.stringMatching(/nothing is deployed/) });
    state = afterDeploy(state, 'blue', slot('v1'), null, new Date());
    expect(idleColor(state)).toBe('green');
    expect(rollbackTarget(state)).toEqual({ error: expect.stringMatching(/no previous release/) });
    const now = new Date('2026-12-05T10:00:00.250Z');
    state = afterDeploy(state, 'green', slot('v2'), rollbackWindow('blue', 900, now), now);
    expect(state.window).toEqual({ color: 'blue', until: '2026-12-05T10:15:00Z' });
    expect(windowOpen(state.window, new Date('2026-12-05T10:14:59Z'))).toBe(true);
    expect(windowOpen(state.window, new Date('2026-12-05T10:15:00Z'))).toBe(false);
    const target = rollbackTarget(state);
    expect(target).toMatchObject({ from: 'green', to: 'blue', slot: { image: 'v1' } });
    if (!('error' in target)) {
      const rolledBack = afterRollback(state, target, new Date());
      expect(rolledBack.active).toBe('blue');
      expect(rolledBack.window).toBeNull();
    }
    expect(parseState(JSON.stringify(state), 'staging')).toEqual(state);
    // state.json written before windows existed still reads, with no window.
    const { window: _window, ...older } = state;
    expect(parseState(JSON.stringify(older), 'staging').window).toBeNull();
    expect(() => parseState('{"schema":2}', 'staging')).toThrow(/schema/);
  });
});

describe('host commands', () => {
  const layout = hostLayout('/srv/slipway/staging', 'staging');
  const user = { name: 'deploy', uid: 1002, gid: 1003 };
  test('colour containers run as the deploy user and listen on a socket in their own directory', () => {
    const argv = hostCommands.runColor({
      layout,
      environment: 'staging',
      color: 'green',
      image: 'img:1',
      user,
    });
    expect(argv.slice(argv.indexOf('--user'), argv.indexOf('--user') + 2)).toEqual(['--user', '1002:1003']);
    expect(argv).toEqual(
      expect.arrayContaining(['--read-only', '--init', 'LISTEN_SOCKET=/run/slipway/app.sock']),
    );
    expect(argv).toContain('/srv/slipway/staging/sockets/green:/run/slipway');
    expect(argv.at(-1)).toBe('img:1');
  });
  test('active.sock targets are relative to the sockets directory', () => {
    expect(layout.activeSocket).toBe('/srv/slipway/staging/sockets/active.sock');
    expect(layout.activeTarget('blue')).toBe('blue/app.sock');
    expect(layout.socket('green')).toBe('/srv/slipway/staging/sockets/green/app.sock');
  });
  test('migrations run the new image with the env file', () => {
    expect(hostCommands.migrate(layout, 'img:2', user)).toEqual(
      expect.arrayContaining([
        '--user',
        '1002:1003',
        '--env-file',
        '/srv/slipway/staging/env',
        'img:2',
        'service/dist/cli/migrate.js',
      ]),
    );
  });
});

describe('report and parsing', () => {
  test('df and /version parsing', () => {
    expect(
      parseDfAvailableKiB(
        'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 100 40 60 40% /\n',
      ),
    ).toBe(60);
    expect(parseIdentity('{"version":"1.2.3","commit":"abc"}')).toEqual({ version: '1.2.3', commit: 'abc' });
    expect(parseIdentity('nope')).toBeNull();
  });
  test('summary shows colour, image, step timings and the rollback command', () => {
    const text = renderDeploySummary({
      command: 'deploy',
      environment: 'staging',
      ok: true,
      color: 'green',
      previousColor: 'blue',
      image: 'img:2',
      imageId: 'sha256:1',
      durationSeconds: 7.5,
      steps: [{ name: 'migrate', seconds: 1.25, ok: true }],
      error: null,
      failedStep: null,
      url: 'https://x',
      notes: [],
    });
    expect(text).toMatch(/Active colour \| green/);
    expect(text).toMatch(/\| migrate \| 1.25 \| ok \|/);
    expect(text).toMatch(/command: rollback/);
  });
});

describe('the host user', () => {
  test('is read from `id`, and an unreadable answer fails the preflight', () => {
    expect(parseHostUser('uid=1002(deploy) gid=1003(deploy) groups=1003(deploy),998(docker)\n')).toEqual({
      name: 'deploy',
      uid: 1002,
      gid: 1003,
    });
    expect(() => parseHostUser('id: command not found')).toThrow(/cannot read the host user/);
  });
  test('nginx -t goes through sudo -n (provisioning grants exactly that) and socket dirs are not chowned', () => {
    expect(hostCommands.nginxTest()).toEqual(['sudo', '-n', '/usr/sbin/nginx', '-t', '-q']);
    const argv = hostCommands.prepareSocketDir(hostLayout('/srv/slipway/staging', 'staging'), 'blue');
    expect(argv).not.toContain('-o');
    expect(argv).not.toContain('-g');
  });
  test('a rollback window of 0 means none', () => {
    expect(rollbackWindow('blue', 0, new Date())).toBeNull();
    expect(rollbackWindow(null, 900, new Date())).toBeNull();
  });
});
