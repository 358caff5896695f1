// Every command the deploy runs on the host, as argv arrays built by pure functions. The executor quotes
// them with quote-for-shell; nothing here builds shell text.
import type { Color, HostLayout, HostUser } from './host-layout.js';
import { containerSocketDir, containerSocketPath } from './host-layout.js';

export type Argv = string[];

export interface ContainerSpec {
  layout: HostLayout;
  environment: string;
  color: Color;
  image: string;
  user: HostUser;
}

const runAs = (user: HostUser): Argv => ['--user', `${user.uid}:${user.gid}`];

export const hostCommands = {
  engineVersion: (): Argv => ['docker', 'version', '--format', '{{.Server.Version}}'],
  diskFreeKiB: (path: string): Argv => ['df', '-Pk', path],
  /** The deploy user, as `id` prints it: uid=1001(deploy) gid=1001(deploy) groups=… (parseHostUser). */
  whoAmI: (): Argv => ['id'],
  /**
   * nginx -t reads root-only files (pid, logs, certificates): provisioning grants the deploy user exactly
   * this command through sudo (/etc/sudoers.d/slipway-<user>); -n fails at once instead of prompting.
   */
  nginxTest: (): Argv => ['sudo', '-n', '/usr/sbin/nginx', '-t', '-q'],
  /** Owned by the deploy user (who runs the colours): nginx's workers only need to traverse it. */
  prepareSocketDir: (layout: HostLayout, color: Color): Argv => [
    'install',
    '-d',
    '-m',
    '0755',
    layout.socketDir(color),
  ],
  prepareAppDir: (layout: HostLayout): Argv => [
    'install',
    '-d',
    '-m',
    '0755',
    layout.appDir,
    layout.socketsDir,
  ],
  imageId: (image: string): Argv => ['docker', 'image', 'inspect', '--format', '{{.Id}}', image],
  pull: (image: string): Argv => ['docker', 'pull', image],
  /**
   * Migrations run in a throw-away container of the NEW image, before anything is swapped. Not `--rm`:
   * with podman's Docker API, `run --rm` can report exit 0 for a failed container; the runner removes it.
   */
  migrate: (layout: HostLayout, image: string, user: HostUser): Argv => [
    'docker',
    'run',
    '--name',
    layout.migrateContainerName,
    ...runAs(user),
    '--init',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,size=16m',
    '--network',
    'host',
    '--env-file',
    layout.envFile,
    image,
    'service/dist/cli/migrate.js',
  ],
  runColor: ({ layout, environment, color, image, user }: ContainerSpec): Argv => [
    'docker',
    'run',
    '--detach',
    '--name',
    layout.containerName(color),
    ...runAs(user),
    '--init',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,size=64m',
    '--network',
    'host',
    '--restart',
    'unless-stopped',
    '--stop-timeout',
    '30',
    '--env-file',
    layout.envFile,
    '--env',
    `LISTEN_SOCKET=${containerSocketPath}`,
    '--volume',
    `${layout.socketDir(color)}:${containerSocketDir}`,
    '--label',
    `slipway.environment=${environment}`,
    '--label',
    `slipway.color=${color}`,
    image,
  ],
  containerStatus: (name: string): Argv => ['docker', 'inspect', '--format', '{{.State.Status}}', name],
  containerLogs: (name: string, lines = 80): Argv => ['docker', 'logs', '--tail', String(lines), name],
  removeContainer: (name: string): Argv => ['docker', 'rm', '--force', name],
  startContainer: (name: string): Argv => ['docker', 'start', name],
  stopContainer: (name: string, timeoutSeconds: number): Argv => [
    'docker',
    'stop',
    '--time',
    String(timeoutSeconds),
    name,
  ],
  /** GET through a colour's own socket (bypasses nginx): health gate and identity of the new colour. */
  getViaSocket: (socket: string, path: string): Argv => [
    'curl',
    '--silent',
    '--show-error',
    '--fail',
    '--max-time',
    '3',
    '--unix-socket',
    socket,
    `http://localhost${path}`,
  ],
  /** GET through nginx (the public path), used to verify the switch. */
  getViaNginx: (url: string, path: string): Argv => [
    'curl',
    '--silent',
    '--show-error',
    '--fail',
    '--max-time',
    '5',
    `${url}${path}`,
  ],
};
