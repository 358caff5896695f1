import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { freePort } from '@slipway/harness';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startServiceUnderTest } from '@slipway/service/testing/service-under-test';
import {
  baseMetricName,
  dashboardExpressions,
  promqlMetricNames,
  withGrafanaVariablesResolved,
} from './promql-metric-names.js';
import { runCommand } from './run-command.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const promDir = path.join(root, 'ops/prometheus');
const dashboardPath = path.join(root, 'ops/grafana/dashboards/slipway.json');
const nodeExporterBin = '/usr/bin/prometheus-node-exporter';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

async function ruleFile(): Promise<RuleFile> {
  return parse(await readFile(path.join(promDir, 'alerts.yml'), 'utf8')) as RuleFile;
}

/**
 * Scrapes the running service the way Prometheus does on a host: the app listens on a unix socket
 * (LISTEN_SOCKET, as the colours do), active.sock points at it, and nginx's loopback metrics proxy
 * (ops/nginx/metrics-proxy.conf + metrics-location.conf rendered for "production") forwards
 * /production/metrics to it. Returns the exposition text.
 */
async function scrapeThroughMetricsProxy(): Promise<{ text: string; otherPathStatus: number }> {
  const appDir = path.join(work, 'srv/production');
  const socketDir = path.join(appDir, 'sockets/blue');
  await mkdir(socketDir, { recursive: true });
  await chmod(work, 0o755);
  const socket = path.join(socketDir, 'app.sock');
  await symlink('blue/app.sock', path.join(appDir, 'sockets/active.sock'));

  const service = await startServiceUnderTest({ LISTEN_SOCKET: socket });
  const server = createHttpServer(service.app);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  await chmod(socket, 0o666); // nginx workers run as nobody
  const port = await freePort();
  const confDir = path.join(work, 'nginx');
  await mkdir(path.join(confDir, 'slipway-metrics.d'), { recursive: true });
  const proxy = (await readFile(path.join(root, 'ops/nginx/metrics-proxy.conf'), 'utf8'))
    .replace('listen 127.0.0.1:9464;', `listen 127.0.0.1:${port};`)
    .replaceAll('/etc/nginx/slipway-metrics.d/', `${confDir}/slipway-metrics.d/`);
  await writeFile(path.join(confDir, 'metrics-proxy.conf'), proxy);
  const location = (await readFile(path.join(root, 'ops/nginx/metrics-location.conf'), 'utf8'))
    .replaceAll('@ENV@', 'production')
    .replaceAll('@APP_DIR@', appDir);
  await writeFile(path.join(confDir, 'slipway-metrics.d/production.conf'), location);
  await writeFile(
    path.join(confDir, 'nginx.conf'),
    `pid ${confDir}/nginx.pid;
error_log ${confDir}/error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path ${confDir}/cb; proxy_temp_path ${confDir}/px; fastcgi_temp_path ${confDir}/fc;
  uwsgi_temp_path ${confDir}/uw; scgi_temp_path ${confDir}/sc;
  include ${confDir}/metrics-proxy.conf;
}
`,
  );
  const nginxArgs = [
    '-p',
    confDir,
    '-c',
    path.join(confDir, 'nginx.conf'),
    '-e',
    path.join(confDir, 'error.log'),
  ];
  const check = await runCommand(['/usr/sbin/nginx', '-t', ...nginxArgs]);
  expect(check.stderr).toContain('test is successful');
  const nginx = spawn('/usr/sbin/nginx', [...nginxArgs, '-g', 'daemon off;'], { stdio: 'ignore' });
  try {
    // Nothing calls /health/ready here: the service refreshes the readiness gauge on every scrape.
    let text = '';
    for (
      let attempt = 0;
      attempt < 50 && !/^slipway_dependency_up\{dependency="postgres"\} 1$/m.test(text);
      attempt += 1
    ) {
      const response = await fetch(`http://127.0.0.1:${port}/production/metrics`).catch(() => undefined);
      if (response?.status === 200) text = await response.text();
      await new Promise((r) => setTimeout(r, 100));
    }
    const other = await fetch(`http://127.0.0.1:${port}/metrics`);
    return { text, otherPathStatus: other.status };
  } finally {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
    await new Promise((resolve) => server.close(resolve));
    await service.stop();
  }
}

/** Metric names in exposition text: every `# TYPE` line, with histogram/summary series suffixes. */
function typedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(name + s);
    if (type === 'summary') for (const s of ['_count', '_sum']) names.add(name + s);
  }
  return names;
}

function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

let work: string;
let nodeExporter: ChildProcess | undefined;
let nodeExporterMetrics = '';

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-ops-prom-'));
  // node_exporter with a textfile like the one scripts/backup writes: proves the host metric
  // names the rules use exist in this node_exporter, and the textfile format is accepted.
  const textfileDir = path.join(work, 'textfile');
  await mkdir(textfileDir);
  await writeFile(
    path.join(textfileDir, 'slipway_backup.prom'),
    '# HELP slipway_backup_last_success_timestamp_seconds Unix time of the last successful backup.\n' +
      '# TYPE slipway_backup_last_success_timestamp_seconds gauge\n' +
      'slipway_backup_last_success_timestamp_seconds 1700000000\n',
  );
  const port = await freePort();
  nodeExporter = spawn(
    nodeExporterBin,
    [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${textfileDir}`],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      nodeExporterMetrics = await response.text();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 30_000);

afterAll(async () => {
  nodeExporter?.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
});

describe('Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const result = await runCommand(['promtool', 'check', 'rules', path.join(promDir, 'alerts.yml')]);
    expect(result.stderr + result.stdout).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('pass the promtool unit tests (5xx, readiness, Redis, down, breaker, burn rate, backup age)', async () => {
    const result = await runCommand(['promtool', 'test', 'rules', 'alerts.test.yml'], { cwd: promDir });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('cover every alert the brief asks for', async () => {
    const alerts = (await ruleFile()).groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'SlipwayServiceDown',
        'SlipwayNotReady',
        'SlipwayDependencyDown',
        'SlipwayHigh5xxRatio',
        'SlipwayHighLatencyP95',
        'SlipwayLLMBreakerOpen',
        'SlipwayErrorBudgetBurnFast',
        'SlipwayErrorBudgetBurnSlow',
        'HostDiskAlmostFull',
        'SlipwayBackupTooOld',
      ]),
    );
  });

  it('scrape config is valid for promtool check config', async () => {
    // The config names its files by their in-container path (/etc/prometheus); check a copy.
    const etc = path.join(work, 'etc-prometheus');
    await cp(promDir, etc, { recursive: true });
    const configText = (await readFile(path.join(etc, 'prometheus.yml'), 'utf8')).replaceAll(
      '/etc/prometheus',
      etc,
    );
    await writeFile(path.join(etc, 'prometheus.yml'), configText);
    const result = await runCommand(['promtool', 'check', 'config', path.join(etc, 'prometheus.yml')]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});

describe('metric names in rules and the dashboard', () => {
  it('every dashboard expression is valid PromQL', async () => {
    const dashboard: unknown = JSON.parse(await readFile(dashboardPath, 'utf8'));
    const exprs = dashboardExpressions(dashboard).map(withGrafanaVariablesResolved);
    expect(exprs.length).toBeGreaterThan(15);
    const rules = {
      groups: [
        { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr })) },
      ],
    };
    const file = path.join(work, 'dashboard-rules.yml');
    await writeFile(file, JSON.stringify(rules));
    const result = await runCommand(['promtool', 'check', 'rules', file]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('are exported by the running service (scraped through the nginx metrics proxy), node_exporter, Prometheus or our recording rules', async () => {
    const rules = await ruleFile();
    const recorded = new Set(
      rules.groups.flatMap((g) => g.rules.map((r) => r.record)).filter(Boolean) as string[],
    );
    const dashboard: unknown = JSON.parse(await readFile(dashboardPath, 'utf8'));
    const used = new Set([
      ...rules.groups.flatMap((g) => g.rules.flatMap((r) => promqlMetricNames(r.expr))),
      ...dashboardExpressions(dashboard).flatMap((e) => promqlMetricNames(withGrafanaVariablesResolved(e))),
    ]);

    const scrape = await scrapeThroughMetricsProxy();
    expect(scrape.otherPathStatus).toBe(404);
    expect(scrape.text).toMatch(/^slipway_dependency_up\{dependency="postgres"\} 1$/m);
    expect(scrape.text).toMatch(/^slipway_dependency_up\{dependency="chroma"\} 1$/m);
    const service = typedNames(scrape.text);
    expect(service.has('http_request_duration_seconds_count')).toBe(true);
    const node = exposedNames(nodeExporterMetrics);
    expect(node.has('node_filesystem_avail_bytes')).toBe(true);
    expect(node.has('slipway_backup_last_success_timestamp_seconds')).toBe(true);
    const prometheusSynthetic = new Set(['up']);

    const unknown = [...used].filter(
      (name) =>
        !service.has(name) && !node.has(name) && !recorded.has(name) && !prometheusSynthetic.has(name),
    );
    expect(unknown).toEqual([]);

    // And the service-specific ones really come from the service registry.
    const fromService = [...used].filter((n) => n.startsWith('slipway_') && !n.startsWith('slipway_backup_'));
    expect(fromService.length).toBeGreaterThan(8);
    for (const name of fromService) expect(service.has(name) || service.has(baseMetricName(name))).toBe(true);
  });
});

describe('Alertmanager config', () => {
  it('passes amtool check-config', async () => {
    // url_file needs Alertmanager >= 0.26 (the compose image is 0.27); Debian's amtool is 0.25,
    // so check a copy with the equivalent url field.
    const text = (await readFile(path.join(root, 'ops/alertmanager/alertmanager.yml'), 'utf8')).replace(
      /url_file: .*/,
      'url: http://127.0.0.1:9/',
    );
    const file = path.join(work, 'alertmanager.yml');
    await writeFile(file, text);
    const result = await runCommand(['amtool', 'check-config', file]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});

describe('compose/compose.observability.yml', () => {
  it('mounts only files that exist in the repository', async () => {
    const compose = parse(await readFile(path.join(root, 'compose/compose.observability.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const relative = Object.values(compose.services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0] ?? '')
      .filter((source) => source.startsWith('.'));
    expect(relative.length).toBeGreaterThan(3);
    for (const source of relative) {
      await expect(
        readFile(path.join(root, 'compose', source)).catch((e: NodeJS.ErrnoException) => e.code),
      ).resolves.not.toBe('ENOENT');
    }
  });
});
