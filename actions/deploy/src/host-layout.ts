// Where things live on the deploy host, per environment (all under app-dir):
//   env                     the service's environment file, mode 0600, written by provisioning
//   state.json              active colour, image per colour, previous colour (written atomically)
//   audit.jsonl             one JSON line per deploy / rollback
//   lock.json               the deploy lock (exists = held); created atomically with link(2)
//   sockets/blue/app.sock   blue's unix socket (directory bind-mounted into the blue container)
//   sockets/green/app.sock  green's unix socket
//   sockets/active.sock     symlink -> blue/app.sock or green/app.sock; nginx's upstream points here

export type Color = 'blue' | 'green';
export const colors: readonly Color[] = ['blue', 'green'];

/**
 * The account the deploy logs in as on the host (provisioning's unprivileged deploy user). The colours run
 * as its uid:gid, so the socket directories it creates (no chown, no root) are theirs to listen in.
 */
export interface HostUser {
  name: string;
  uid: number;
  gid: number;
}

/** Where a colour's socket directory is mounted inside its container. */
export const containerSocketDir = '/run/slipway';
export const containerSocketPath = `${containerSocketDir}/app.sock`;

export interface HostLayout {
  appDir: string;
  envFile: string;
  stateFile: string;
  auditFile: string;
  lockFile: string;
  socketsDir: string;
  activeSocket: string;
  socketDir(color: Color): string;
  socket(color: Color): string;
  /** Relative symlink target for a colour, so the link is valid whatever the mount point. */
  activeTarget(color: Color): string;
  containerName(color: Color): string;
  migrateContainerName: string;
}

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

export function hostLayout(appDir: string, environment: string): HostLayout {
  const dir = appDir.replace(/\/+$/, '');
  const socketsDir = `${dir}/sockets`;
  return {
    appDir: dir,
    envFile: `${dir}/env`,
    stateFile: `${dir}/state.json`,
    auditFile: `${dir}/audit.jsonl`,
    lockFile: `${dir}/lock.json`,
    socketsDir,
    activeSocket: `${socketsDir}/active.sock`,
    socketDir: (color) => `${socketsDir}/${color}`,
    socket: (color) => `${socketsDir}/${color}/app.sock`,
    activeTarget: (color) => `${color}/app.sock`,
    containerName: (color) => `slipway-${environment}-${color}`,
    migrateContainerName: `slipway-${environment}-migrate`,
  };
}
