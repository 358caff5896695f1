// A deploy host on this machine, prepared the way a real one is: `scripts/provision` runs for real (twice:
// the second run must change nothing) and creates the unprivileged deploy user, its docker group and its
// one sudo right (nginx -t), the environments' app dirs, env files, compose projects and nginx sites. The
// test then plays the parts a host's service manager plays: OpenSSH's sshd (as root, through sudo, on a free
// port, PAM on as on Ubuntu) and nginx (as root, workers as www-data) serving the provisioned sites. The
// deploy action logs in as the deploy user; nothing of the deploy runs as root.
//
// Left out for a test host (provision --skip): firewall, certbot, unattended upgrades, sshd hardening, the
// compose stores (no registry here: the harness's servers stand in) and service management (the test runs
// sshd and nginx itself; provision never restarts the machine's Docker engine under a running suite).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../harness/src/free-port.js';
import { startManagedProcess, type ManagedProcess } from '../../../harness/src/managed-process.js';

const execFileAsync = promisify(execFile);

export const testHostSkips = 'firewall,certbot,unattended-upgrades,ssh-hardening,stores,services';

export interface SshKeys {
  hostKeyPath: string;
  hostPublicKey: string;
  clientKeyPath: string;
  clientPrivateKey: string;
  clientPublicKey: string;
}

export interface HostEnvironment {
  name: string;
  appDir: string;
  nginxPort: number;
  url: string;
}

export interface ProvisionRun {
  exitCode: number;
  changes: number;
  output: string;
}

export interface ProvisionedHost {
  sshPort: number;
  deployUser: string;
  deployUid: number;
  keys: SshKeys;
  /** known_hosts text pinning this host's key for [127.0.0.1]:sshPort. */
  knownHosts: string;
  environments: HostEnvironment[];
  provisionRuns: ProvisionRun[];
  /** Reads a root-owned file of the host (through sudo). */
  readAsRoot(file: string): Promise<string>;
  /** Runs argv as the deploy user (through sudo), as cron or an operator's shell would. */
  runAsDeployUser(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Writes a file into an environment's app dir as the deploy user would own it. */
  writeAsDeployUser(file: string, text: string, mode: string): Promise<void>;
  sshdLog(): string;
  nginxErrorLog(): string;
  stop(): Promise<void>;
}

/** `sudo -n ARGS…` with no standard input (a command that exits at once must not meet a write: EPIPE). */
const sudo = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      'sudo',
      ['-n', ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end();
  });

async function sudoOrThrow(args: string[]): Promise<string> {
  const result = await sudo(args);
  if (result.code !== 0) throw new Error(`sudo ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
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

async function waitForPort(port: number, what: string, proc: ManagedProcess, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${what} exited:\n${proc.output()}`);
    if (await portAnswers(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up:\n${proc.output()}`);
}

export interface ProvisionOptions {
  runDir: string;
  repoRoot: string;
  deployUser: string;
  environments: string[];
}

/** `sudo scripts/provision …` for a test host; returns its exit code, output and its count of changes. */
export async function runProvision(
  options: ProvisionOptions,
  keys: SshKeys,
  appRoot: string,
  ports: Record<string, number>,
): Promise<ProvisionRun> {
  const argv = [
    path.join(options.repoRoot, 'scripts/provision'),
    '--deploy-key',
    `${keys.clientKeyPath}.pub`,
    '--deploy-user',
    options.deployUser,
    '--environments',
    options.environments.join(' '),
    '--app-root',
    appRoot,
    '--skip',
    testHostSkips,
    ...options.environments.flatMap((name) => ['--listen', `${name}=127.0.0.1:${ports[name]}`]),
  ];
  const result = await sudo(argv);
  const output = `${result.stdout}${result.stderr}`;
  const done = /== done: \d+ steps, (\d+) changes/.exec(result.stdout);
  return { exitCode: result.code, changes: done ? Number(done[1]) : -1, output };
}

function nginxMainConfig(nginxDir: string, sites: string[]): string {
  const temp = path.join(nginxDir, 'tmp');
  return [
    // As the distribution's nginx runs: master as root, workers as www-data.
    'user www-data;',
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
    // The provisioned sites, as nginx.conf's `include /etc/nginx/sites-enabled/*` reads them.
    ...sites.map((site) => `  include ${site};`),
    '}',
    '',
  ].join('\n');
}

async function startNginx(runDir: string, environments: string[]): Promise<ManagedProcess> {
  const nginxDir = path.join(runDir, 'nginx');
  for (const dir of ['', 'logs', 'tmp']) mkdirSync(path.join(nginxDir, dir), { recursive: true });
  const sites = environments.map((name) => `/etc/nginx/sites-enabled/slipway-${name}.conf`);
  const conf = path.join(nginxDir, 'nginx.conf');
  writeFileSync(conf, nginxMainConfig(nginxDir, sites));
  const args = ['-p', nginxDir, '-c', conf, '-e', `${nginxDir}/logs/error.log`];
  await sudoOrThrow(['/usr/sbin/nginx', ...args, '-t']);
  return startManagedProcess({
    name: 'nginx (provisioned sites)',
    command: 'sudo',
    args: ['-n', '/usr/sbin/nginx', ...args, '-g', 'daemon off;'],
    stopSignal: 'SIGQUIT',
  });
}

async function startSshd(
  runDir: string,
  keys: SshKeys,
  deployUser: string,
): Promise<{ proc: ManagedProcess; port: number; log: string }> {
  const sshDir = path.join(runDir, 'sshd');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  await sudoOrThrow(['install', '-d', '-m', '0755', '/run/sshd']);
  const port = await freePort();
  const config = path.join(sshDir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${keys.hostKeyPath}`,
      `PidFile ${sshDir}/sshd.pid`,
      // The provisioned ~/.ssh/authorized_keys of the deploy user, checked with StrictModes (the default).
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      `AllowUsers ${deployUser}`,
      'UsePAM yes',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const log = path.join(sshDir, 'sshd.log');
  writeFileSync(log, '');
  const proc = startManagedProcess({
    name: `sshd :${port}`,
    command: 'sudo',
    args: ['-n', '/usr/sbin/sshd', '-D', '-f', config, '-E', log],
  });
  await waitForPort(port, 'sshd', proc);
  return { proc, port, log };
}

export async function startProvisionedHost(options: ProvisionOptions): Promise<ProvisionedHost> {
  const { runDir, deployUser, environments } = options;
  // nginx's workers (www-data) traverse this path to the sockets.
  chmodSync(runDir, 0o755);
  const keys = generateKeys(path.join(runDir, 'keys'));
  const appRoot = path.join(runDir, 'srv');
  const ports: Record<string, number> = {};
  for (const name of environments) ports[name] = await freePort();

  const provisionRuns: ProvisionRun[] = [];
  for (let run = 0; run < 2; run += 1) {
    const result = await runProvision(options, keys, appRoot, ports);
    provisionRuns.push(result);
    if (result.exitCode !== 0)
      throw new Error(`scripts/provision failed (run ${run + 1}):\n${result.output}`);
  }
  const deployUid = Number(execFileSync('id', ['-u', deployUser], { encoding: 'utf8' }).trim());

  const nginx = await startNginx(runDir, environments);
  for (const name of environments) await waitForPort(ports[name] as number, 'nginx', nginx);
  const sshd = await startSshd(runDir, keys, deployUser);

  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    sshPort: sshd.port,
    deployUser,
    deployUid,
    keys,
    knownHosts: knownHostsLine(sshd.port, keys.hostPublicKey),
    environments: environments.map((name) => ({
      name,
      appDir: path.join(appRoot, name),
      nginxPort: ports[name] as number,
      url: `http://127.0.0.1:${ports[name]}`,
    })),
    provisionRuns,
    readAsRoot: (file) => sudoOrThrow(['cat', file]),
    runAsDeployUser: (argv) => sudo(['-u', deployUser, ...argv]),
    async writeAsDeployUser(file, text, mode) {
      const staged = path.join(runDir, `staged-${path.basename(file)}-${Date.now()}`);
      writeFileSync(staged, text, { mode: 0o600 });
      await sudoOrThrow(['install', '-m', mode, '-o', deployUser, '-g', deployUser, staged, file]);
      rmSync(staged, { force: true });
    },
    sshdLog: () => read(sshd.log),
    nginxErrorLog: () => read(path.join(runDir, 'nginx/logs/error.log')),
    async stop() {
      await sshd.proc.stop();
      await nginx.stop();
    },
  };
}

/**
 * Removes what provisioning put on this machine for the test host: the sites, cron entry, sudoers drop-in,
 * metric locations, the app root and the deploy user. The machine-wide parts (packages, TLS snippets,
 * metrics proxy, tools) stay, as on any provisioned host.
 */
export async function removeProvisionedHost(options: ProvisionOptions): Promise<void> {
  const files = [
    `/etc/cron.d/slipway-rollback-window-${options.deployUser}`,
    `/etc/sudoers.d/slipway-${options.deployUser}`,
    ...options.environments.flatMap((name) => [
      `/etc/nginx/sites-enabled/slipway-${name}.conf`,
      `/etc/nginx/sites-available/slipway-${name}.conf`,
      `/etc/nginx/slipway-metrics.d/${name}.conf`,
      `/var/backups/slipway/${name}`,
    ]),
    path.join(options.runDir, 'srv'),
  ];
  await sudo(['rm', '-rf', ...files]);
  await sudo(['userdel', '--remove', options.deployUser]);
}

export async function dockerServerVersion(): Promise<string> {
  const { stdout } = await execFileAsync('docker', ['version', '--format', '{{.Server.Version}}']);
  return stdout.trim();
}
