import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run-command.js';

// scripts/provision is tested here by its dry run (the plan: every step, the argv of every command, the
// idempotency marker of every step), its input validation and shellcheck. It also runs for real, twice,
// in the deploy e2e (test/e2e/deploy.e2e.test.ts), which provisions its test host with it.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const provision = path.join(root, 'scripts/provision');
let work: string;
let keyFile: string;
/** scripts/provision --deploy-key <key>.pub --dry-run EXTRA… */
const dryRun = (...extra: string[]) =>
  runCommand([provision, '--deploy-key', `${keyFile}.pub`, '--dry-run', ...extra]);
const serverNames = [
  '--server-name',
  'staging=staging.example.com',
  '--server-name',
  'production=example.com',
];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-ops-provision-'));
  keyFile = path.join(work, 'deploy_key');
  const keygen = await runCommand([
    'ssh-keygen',
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'deploy@ci',
    '-f',
    keyFile,
  ]);
  expect(keygen.code).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Step {
  name: string;
  lines: string[];
}

function parsePlan(output: string): Step[] {
  const steps: Step[] = [];
  for (const line of output.split('\n')) {
    const header = /^== \d\d ([a-z-]+): /.exec(line);
    if (header?.[1]) steps.push({ name: header[1], lines: [] });
    else if (line.startsWith('   ')) steps.at(-1)?.lines.push(line.trim());
  }
  return steps;
}

describe('scripts/provision --dry-run', () => {
  it('prints the whole plan in order and changes nothing', async () => {
    const result = await dryRun(...serverNames);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const steps = parsePlan(result.stdout);
    expect(steps.map((s) => s.name)).toEqual([
      'apt-base',
      'docker-repo',
      'docker-engine',
      'deploy-user',
      'app-dirs',
      'environments',
      'firewall',
      'unattended-upgrades',
      'ssh-hardening',
      'nginx',
      'certbot-hook',
      'rollback-window',
      'ops-tools',
    ]);
    expect(result.stdout).toContain('(dry run: nothing was changed)');

    const commands = steps.flatMap((s) => s.lines.filter((l) => l.startsWith('+ ')).map((l) => l.slice(2)));
    // Packages: Docker from Docker's repository, nginx, certbot, ufw, unattended upgrades.
    expect(commands).toContain(
      'env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl gnupg jq nginx cron certbot ufw unattended-upgrades',
    );
    expect(
      commands.some(
        (c) => c.includes('docker-ce docker-ce-cli containerd.io') && c.includes('docker-compose-plugin'),
      ),
    ).toBe(true);
    // Firewall: deny by default, exactly 22, 80 and 443 open.
    const ensured = steps.flatMap((s) => s.lines.filter((l) => l.startsWith('= ')).map((l) => l.slice(2)));
    expect(ensured.filter((c) => c.startsWith('ufw allow'))).toEqual([
      'ufw allow 22/tcp',
      'ufw allow 80/tcp',
      'ufw allow 443/tcp',
    ]);
    expect(ensured).toContain('ufw default deny incoming');
    // The deploy user gets the key given, in the docker group.
    expect(commands).toContain('useradd --create-home --shell /bin/bash --user-group deploy');
    expect(commands).toContain('usermod -aG docker deploy');
    // Its one sudo right: nginx -t (checked by visudo before it counts).
    expect(commands.some((c) => c.startsWith('write /etc/sudoers.d/slipway-deploy (mode 0440'))).toBe(true);
    expect(commands).toContain('visudo -cf /etc/sudoers.d/slipway-deploy');
    expect(commands.some((c) => c.startsWith('write /home/deploy/.ssh/authorized_keys (mode 0600'))).toBe(
      true,
    );
    // App dirs per environment, and the files the other ops pieces expect on the host.
    expect(ensured).toContain(
      'install -d -m 0755 -o deploy -g deploy /srv/slipway/staging /srv/slipway/staging/sockets',
    );
    expect(ensured).toContain(
      'install -d -m 0755 -o deploy -g deploy /srv/slipway/production /srv/slipway/production/sockets',
    );
    expect(ensured).toContain('install -d -m 0755 -o root -g root /var/lib/node_exporter/textfile');
    // Per environment: its compose project and env file (secrets, written only when absent), its site.
    for (const env of ['staging', 'production']) {
      for (const file of ['compose.yml', 'compose.env', 'env']) {
        expect(commands.some((c) => c.startsWith(`write /srv/slipway/${env}/${file} `))).toBe(true);
      }
      expect(commands.some((c) => c.startsWith(`write /etc/nginx/sites-available/slipway-${env}.conf`))).toBe(
        true,
      );
      expect(commands).toContain(
        `ln -sfn ../sites-available/slipway-${env}.conf /etc/nginx/sites-enabled/slipway-${env}.conf`,
      );
    }
    expect(commands.some((c) => c.startsWith('write /etc/cron.d/slipway-rollback-window-deploy '))).toBe(
      true,
    );
    expect(commands.some((c) => c.startsWith('write /etc/apt/apt.conf.d/20auto-upgrades'))).toBe(true);
    expect(commands.some((c) => c.startsWith('write /etc/nginx/slipway-tls/ssl-params.conf'))).toBe(true);
    expect(commands.some((c) => c.startsWith('write /etc/nginx/slipway-metrics.d/production.conf'))).toBe(
      true,
    );
    expect(commands.some((c) => c.startsWith('write /usr/local/sbin/slipway-backup (mode 0755'))).toBe(true);
    // nginx config is tested before nginx is (re)loaded.
    expect(commands.indexOf('nginx -t')).toBeGreaterThan(-1);
    expect(ensured).toContain('systemctl reload-or-restart nginx');
  });

  it('marks every step as guarded (skip-if), idempotent by nature, or content-compared writes', async () => {
    const result = await dryRun(...serverNames);
    for (const step of parsePlan(result.stdout)) {
      const guarded = step.lines.some((l) => l.startsWith('skip-if:') || l.startsWith('idempotent:'));
      const onlyWrites = step.lines
        .filter((l) => l.startsWith('+ '))
        .every((l) => l.endsWith('unless identical)'));
      expect({ step: step.name, marked: guarded || onlyWrites }).toEqual({ step: step.name, marked: true });
    }
    // Every file write compares content first.
    for (const line of result.stdout.split('\n').filter((l) => l.includes('+ write '))) {
      expect(line).toMatch(/unless identical\)$/);
    }
  });

  it('is deterministic, honours its options, and validates input', async () => {
    const args = [
      provision,
      '--deploy-key',
      `${keyFile}.pub`,
      '--dry-run',
      '--environments',
      'prod-eu',
      '--deploy-user',
      'shipper',
      '--skip-ssh-hardening',
    ];
    const [a, b] = await Promise.all([runCommand(args), runCommand(args)]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain(
      'install -d -m 0755 -o shipper -g shipper /srv/slipway/prod-eu /srv/slipway/prod-eu/sockets',
    );
    expect(a.stdout).not.toContain('/srv/slipway/staging');
    expect(a.stdout).not.toContain('ssh-hardening');

    const badKey = await runCommand([provision, '--deploy-key', keyFile, '--dry-run']); // the private key
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('does not hold an OpenSSH public key');
    const badEnv = await dryRun('--environments', 'Prod;rm');
    expect(badEnv.code).toBe(1);
  });

  it('two environments on one listen address need server names; --skip leaves parts out', async () => {
    const shared = await dryRun();
    expect(shared.code).toBe(1);
    expect(shared.stderr).toContain('environments share listen 80: give each --server-name staging=HOST');
    expect(shared.stdout).toBe('');
    const testHost = await dryRun(
      '--listen',
      'staging=127.0.0.1:8081',
      '--listen',
      'production=127.0.0.1:8082',
      '--skip',
      'firewall,certbot,unattended-upgrades,ssh-hardening,stores,services',
    );
    expect(testHost.code).toBe(0);
    const steps = parsePlan(testHost.stdout).map((s) => s.name);
    for (const left of ['firewall', 'unattended-upgrades', 'ssh-hardening', 'certbot-hook']) {
      expect(steps).not.toContain(left);
    }
    expect(testHost.stdout).not.toMatch(/docker compose .* up/);
    expect(testHost.stdout).toContain("--skip services: not running 'systemctl enable nginx'");
    // Someone else's engine (a CI runner's) keeps its configuration.
    expect(testHost.stdout).not.toContain('write /etc/docker/daemon.json');
    expect(testHost.stdout).toContain('--skip services: /etc/docker/daemon.json left alone');
    const unknown = await dryRun('--skip', 'nginx');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown --skip part 'nginx'");
  });

  it('refuses a real run without root, before changing anything', async () => {
    if (process.getuid?.() === 0) return; // (as root it would provision this machine)
    const result = await runCommand([provision, '--deploy-key', `${keyFile}.pub`, ...serverNames]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run as root/);
    expect(result.stdout).toBe('');
  });

  it('configures Docker so that the Swarm target can run on the host (no live-restore)', async () => {
    const plan = await dryRun(...serverNames);
    expect(plan.stdout).toContain('write /etc/docker/daemon.json');
    const script = await readFile(provision, 'utf8');
    const daemonJson = /daemon\.json <<'EOF'; then\n([\s\S]*?)\nEOF/.exec(script)?.[1] ?? '';
    expect(JSON.parse(daemonJson)).toEqual({
      'log-driver': 'local',
      'log-opts': { 'max-size': '20m', 'max-file': '5' },
    });
  });

  it('is shellcheck-clean', async () => {
    const result = await runCommand(['shellcheck', provision]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
