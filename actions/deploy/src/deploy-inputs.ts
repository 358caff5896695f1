// Validates the action's inputs into one typed object (all problems reported at once). Values that end up
// in commands are still quoted by quote-for-shell; validation here is about meaning, not escaping.

export type DeployCommand = 'deploy' | 'rollback' | 'status' | 'unlock';

export interface DeployInputs {
  command: DeployCommand;
  host: string;
  port: number;
  user: string;
  sshKey: string;
  knownHosts: string;
  image: string;
  environment: string;
  appDir: string;
  url: string;
  healthPath: string;
  healthTimeoutSeconds: number;
  drainSeconds: number;
  rollbackWindowSeconds: number;
  lockTtlSeconds: number;
  githubToken: string;
}

export type RawInputs = Record<string, string | undefined>;

/** Every input action.yml declares; main.ts reads exactly these (a unit test holds the two equal). */
export const deployInputNames = [
  'command',
  'host',
  'port',
  'user',
  'ssh-key',
  'known-hosts',
  'image',
  'environment',
  'app-dir',
  'url',
  'health-path',
  'health-timeout',
  'drain-seconds',
  'rollback-window',
  'lock-ttl',
  'github-token',
] as const;

const commands: DeployCommand[] = ['deploy', 'rollback', 'status', 'unlock'];
const environmentName = /^[a-z0-9][a-z0-9_-]{0,39}$/;
// An image reference: [registry/]name[:tag][@sha256:digest], lower-case repository path.
const imageReference =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const absolutePath = /^\/[A-Za-z0-9._/-]*$/;

function integerInput(
  raw: RawInputs,
  name: string,
  fallback: number,
  min: number,
  max: number,
  errors: string[],
): number {
  const text = (raw[name] ?? '').trim();
  if (text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    errors.push(`${name} must be an integer between ${min} and ${max} (got "${text}")`);
    return fallback;
  }
  return value;
}

export function parseDeployInputs(raw: RawInputs): DeployInputs {
  const errors: string[] = [];
  const text = (name: string): string => (raw[name] ?? '').trim();
  const required = (name: string): string => {
    const value = text(name);
    if (!value) errors.push(`${name} is required`);
    return value;
  };

  const command = (text('command') || 'deploy') as DeployCommand;
  if (!commands.includes(command))
    errors.push(`command must be one of ${commands.join(', ')} (got "${command}")`);
  const host = required('host');
  const user = required('user');
  const sshKey = raw['ssh-key'] ?? '';
  if (!sshKey.trim()) errors.push('ssh-key is required');
  const knownHosts = raw['known-hosts'] ?? '';
  if (!knownHosts.trim())
    errors.push('known-hosts is required (the deploy never trusts a host key on first use)');
  const image = text('image');
  if (command === 'deploy') {
    if (!image) errors.push('image is required for command=deploy');
    else if (!imageReference.test(image)) errors.push(`image is not a valid image reference: "${image}"`);
  }
  const environment = required('environment');
  if (environment && !environmentName.test(environment)) {
    errors.push(`environment must match ${environmentName} (got "${environment}")`);
  }
  const appDir = text('app-dir') || (environment ? `/srv/slipway/${environment}` : '');
  if (!absolutePath.test(appDir) || appDir.split('/').includes('..')) {
    errors.push(`app-dir must be an absolute path of [A-Za-z0-9._/-] without .. (got "${appDir}")`);
  }
  const url = (text('url') || 'http://127.0.0.1').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s]+$/.test(url)) errors.push(`url must be an http(s) URL (got "${url}")`);
  const healthPath = text('health-path') || '/health/ready';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(healthPath))
    errors.push(`health-path must be a plain absolute path (got "${healthPath}")`);

  const inputs: DeployInputs = {
    command,
    host,
    port: integerInput(raw, 'port', 22, 1, 65535, errors),
    user,
    sshKey,
    knownHosts,
    image,
    environment,
    appDir,
    url,
    healthPath,
    healthTimeoutSeconds: integerInput(raw, 'health-timeout', 60, 1, 3600, errors),
    drainSeconds: integerInput(raw, 'drain-seconds', 5, 0, 600, errors),
    rollbackWindowSeconds: integerInput(raw, 'rollback-window', 900, 0, 7 * 24 * 3600, errors),
    lockTtlSeconds: integerInput(raw, 'lock-ttl', 1800, 1, 7 * 24 * 3600, errors),
    githubToken: raw['github-token'] ?? '',
  };
  if (errors.length > 0) throw new Error(`invalid inputs:\n- ${errors.join('\n- ')}`);
  return inputs;
}
