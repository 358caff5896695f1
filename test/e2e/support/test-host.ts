// A deploy host on this machine, made of the real parts: OpenSSH's sshd on 127.0.0.1:<free port> with a
// generated ed25519 host key and client key, nginx with the committed site config, an app dir per
// environment with its 0600 env file, and the podman engine behind DOCKER_HOST. The deploy action reaches
// it only over SSH, exactly as it would reach a server.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../harness/src/free-port.js';
import { startManagedProcess, type ManagedProcess } from '../../../harness/src/managed-process.js';

export interface SshKeys {
  hostKeyPath: string;
  hostPublicKey: string;
  clientKeyPath: string;
  clientPrivateKey: string;
  clientPublicKey: string;
}

export interface TestHost {
  sshPort: number;
  nginxPort: number;
  url: string;
  appDir: string;
  keys: SshKeys;
  /** known_hosts text pinning this host's key for [127.0.0.1]:sshPort. */
  knownHosts: string;
  sshdLog(): string;
  nginxErrorLog(): string;
  stop(): Promise<void>;
}

/** Replaces the site config's placeholders (the same rendering provisioning does). */
export function renderSiteConfig(template: string, values: { appDir: string; listen: string }): string {
  const text = template.replaceAll('@APP_DIR@', values.appDir).replaceAll('@LISTEN@', values.listen);
  if (/@[A-Z_]+@/.test(text)) throw new Error('unrendered placeholder left in nginx/slipway.conf');
  return text;
}

export function generateKeys(dir: string): SshKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKeyPath = path.join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = path.join(dir, 'client_ed25519');
  for (const [file, comment] of [
    [hostKeyPath, 'slipway-e2e-host'],
    [clientKeyPath, 'slipway-e2e-deployer'],
  ] as const) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  }
  return {
    hostKeyPath,
    hostPublicKey: readFileSync(`${hostKeyPath}.pub`, 'utf8').trim(),
    clientKeyPath,
    clientPrivateKey: readFileSync(clientKeyPath, 'utf8'),
    clientPublicKey: readFileSync(`${clientKeyPath}.pub`, 'utf8').trim(),
  };
}

export function knownHostsLine(port: number, publicKey: string): string {
  const [type, blob] = publicKey.split(/\s+/);
  return `[127.0.0.1]:${port} ${type} ${blob}\n`;
}

async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  proc: ManagedProcess,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${what} exited:\n${proc.output()}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up:\n${proc.output()}`);
}

async function portAnswers(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface TestHostOptions {
  runDir: string;
  repoRoot: string;
  dockerHost: string;
  environment: string;
  envFile: Record<string, string>;
}

export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const { runDir } = options;
  // nginx's workers run as `nobody`: every directory on the way to the sockets must be traversable.
  chmodSync(runDir, 0o755);
  const keys = generateKeys(path.join(runDir, 'keys'));

  // --- the app dir, as provisioning leaves it: env file 0600 (nothing else exists before a first deploy)
  const appDir = path.join(runDir, 'srv', options.environment);
  mkdirSync(appDir, { recursive: true, mode: 0o755 });
  chmodSync(path.join(runDir, 'srv'), 0o755);
  const envText = Object.entries(options.envFile)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  writeFileSync(path.join(appDir, 'env'), `${envText}\n`, { mode: 0o600 });

  // --- a bin dir on the SSH session's PATH: `nginx` bound to this test's config (on a real host the
  // system nginx reads /etc/nginx/nginx.conf); docker and curl are the machine's.
  const nginxDir = path.join(runDir, 'nginx');
  for (const dir of ['', 'logs', 'tmp']) mkdirSync(path.join(nginxDir, dir), { recursive: true });
  const nginxPort = await freePort();
  const site = renderSiteConfig(readFileSync(path.join(options.repoRoot, 'nginx/slipway.conf'), 'utf8'), {
    appDir,
    listen: `127.0.0.1:${nginxPort}`,
  });
  writeFileSync(path.join(nginxDir, 'slipway.conf'), site);
  const nginxConf = path.join(nginxDir, 'nginx.conf');
  const temp = path.join(nginxDir, 'tmp');
  writeFileSync(
    nginxConf,
    [
      'worker_processes 2;',
      `pid ${nginxDir}/nginx.pid;`,
      `error_log ${nginxDir}/logs/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${temp}/body;`,
      `  proxy_temp_path ${temp}/proxy;`,
      `  fastcgi_temp_path ${temp}/fastcgi;`,
      `  uwsgi_temp_path ${temp}/uwsgi;`,
      `  scgi_temp_path ${temp}/scgi;`,
      `  include ${nginxDir}/slipway.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const nginxArgs = ['-p', nginxDir, '-c', nginxConf, '-e', `${nginxDir}/logs/error.log`];
  const binDir = path.join(runDir, 'bin');
  mkdirSync(binDir, { recursive: true });
  writeFileSync(
    path.join(binDir, 'nginx'),
    `#!/bin/sh\nexec /usr/sbin/nginx ${nginxArgs.map((arg) => `'${arg}'`).join(' ')} "$@"\n`,
    { mode: 0o755 },
  );
  execFileSync('/usr/sbin/nginx', [...nginxArgs, '-t'], { stdio: 'pipe' });
  const nginx = startManagedProcess({
    name: `nginx :${nginxPort}`,
    command: '/usr/sbin/nginx',
    args: [...nginxArgs, '-g', 'daemon off;'],
    stopSignal: 'SIGQUIT',
  });
  await waitFor(() => portAnswers(nginxPort), 'nginx', nginx);

  // --- sshd
  const sshDir = path.join(runDir, 'sshd');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const authorizedKeys = path.join(sshDir, 'authorized_keys');
  writeFileSync(authorizedKeys, `${keys.clientPublicKey}\n`, { mode: 0o600 });
  const sshPort = await freePort();
  const sshdConfig = path.join(sshDir, 'sshd_config');
  writeFileSync(
    sshdConfig,
    [
      `Port ${sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${keys.hostKeyPath}`,
      `PidFile ${sshDir}/sshd.pid`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      `SetEnv DOCKER_HOST=${options.dockerHost} PATH=${binDir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      '',
    ].join('\n'),
  );
  const sshdLogPath = path.join(sshDir, 'sshd.log');
  const sshd = startManagedProcess({
    name: `sshd :${sshPort}`,
    command: '/usr/sbin/sshd',
    args: ['-D', '-f', sshdConfig, '-E', sshdLogPath],
  });
  await waitFor(() => portAnswers(sshPort), 'sshd', sshd);

  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    sshPort,
    nginxPort,
    url: `http://127.0.0.1:${nginxPort}`,
    appDir,
    keys,
    knownHosts: knownHostsLine(sshPort, keys.hostPublicKey),
    sshdLog: () => read(sshdLogPath),
    nginxErrorLog: () => read(`${nginxDir}/logs/error.log`),
    async stop() {
      await sshd.stop();
      await nginx.stop();
    },
  };
}
