// What every rendered Slipway overlay must contain, as a pure function of the rendered objects: the rules
// docs/scaling.md promises (probes, a drain that matches the service's SIGTERM handling, resources, a locked-
// down pod, a PDB, an HPA, a NetworkPolicy, `maxUnavailable: 0`, a migration Job of the same image, secrets
// as files). Returns one sentence per violation; [] means the manifests hold.

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped; the schema test types it */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: any;
  [field: string]: unknown;
}

/** How long the service may take after SIGTERM (SHUTDOWN_TIMEOUT_MS default), in seconds. */
const SHUTDOWN_SECONDS = 10;

const named = (object: KubeObject) => `${object.kind}/${object.metadata?.name ?? '?'}`;

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function containerViolations(where: string, pod: any): string[] {
  const problems: string[] = [];
  const podContext = pod?.securityContext ?? {};
  for (const container of pod?.containers ?? []) {
    const at = `${where} container ${container.name}`;
    const context = container.securityContext ?? {};
    if (!(context.runAsNonRoot ?? podContext.runAsNonRoot)) problems.push(`${at}: runAsNonRoot is not set`);
    if (context.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is not read-only`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${at}: privilege escalation is allowed`);
    if (!(context.capabilities?.drop ?? []).includes('ALL'))
      problems.push(`${at}: capabilities are not dropped`);
    const resources = container.resources ?? {};
    for (const [kind, name] of [
      ['requests', 'cpu'],
      ['requests', 'memory'],
      ['limits', 'memory'],
    ] as const) {
      if (!resources[kind]?.[name]) problems.push(`${at}: no ${kind}.${name}`);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.secretKeyRef) {
        problems.push(`${at}: secret ${variable.name} is an environment variable, not a file (*_FILE)`);
      }
    }
    for (const source of container.envFrom ?? []) {
      if (source.secretRef) problems.push(`${at}: secrets come in as environment variables, not files`);
    }
  }
  if (podContext.seccompProfile?.type !== 'RuntimeDefault')
    problems.push(`${where}: no RuntimeDefault seccomp`);
  return problems;
}

function deploymentViolations(deployment: KubeObject): string[] {
  const at = named(deployment);
  const problems: string[] = [];
  const strategy = deployment.spec?.strategy;
  if (strategy?.type !== 'RollingUpdate' || String(strategy?.rollingUpdate?.maxUnavailable) !== '0') {
    problems.push(`${at}: rolling update must have maxUnavailable: 0`);
  }
  const pod = deployment.spec?.template?.spec;
  for (const container of pod?.containers ?? []) {
    if (!container.readinessProbe?.httpGet?.path?.startsWith('/health/ready')) {
      problems.push(`${at} container ${container.name}: no readiness probe on /health/ready`);
    }
    if (!container.livenessProbe) problems.push(`${at} container ${container.name}: no liveness probe`);
    const drainSeconds = container.lifecycle?.preStop?.sleep?.seconds;
    if (!drainSeconds) problems.push(`${at} container ${container.name}: no preStop drain`);
    const grace = pod?.terminationGracePeriodSeconds ?? 30;
    if (drainSeconds && grace < drainSeconds + SHUTDOWN_SECONDS) {
      problems.push(
        `${at}: terminationGracePeriodSeconds ${grace} < preStop ${drainSeconds} s + shutdown ${SHUTDOWN_SECONDS} s`,
      );
    }
  }
  return [...problems, ...containerViolations(at, pod)];
}

function companionViolations(objects: KubeObject[], deployment: KubeObject): string[] {
  const podLabels = deployment.spec?.template?.metadata?.labels;
  const name = deployment.metadata?.name;
  const of = (kind: string) => objects.filter((object) => object.kind === kind);
  const problems: string[] = [];
  if (!of('PodDisruptionBudget').some((pdb) => selects(pdb.spec?.selector?.matchLabels, podLabels))) {
    problems.push(`Deployment/${name}: no PodDisruptionBudget selects its pods`);
  }
  if (!of('HorizontalPodAutoscaler').some((hpa) => hpa.spec?.scaleTargetRef?.name === name)) {
    problems.push(`Deployment/${name}: no HorizontalPodAutoscaler scales it`);
  }
  if (!of('NetworkPolicy').some((policy) => selects(policy.spec?.podSelector?.matchLabels, podLabels))) {
    problems.push(`Deployment/${name}: no NetworkPolicy selects its pods`);
  }
  const services = of('Service').filter((service) => selects(service.spec?.selector, podLabels));
  if (services.length === 0) problems.push(`Deployment/${name}: no Service selects its pods`);
  const monitored = of('ServiceMonitor').some((monitor) =>
    services.some((service) => selects(monitor.spec?.selector?.matchLabels, service.metadata?.labels)),
  );
  if (!monitored) problems.push(`Deployment/${name}: no ServiceMonitor scrapes its Service`);
  const image = deployment.spec?.template?.spec?.containers?.[0]?.image;
  const migration = of('Job').find(
    (job) => job.metadata?.labels?.['app.kubernetes.io/component'] === 'migration',
  );
  if (!migration) problems.push(`Deployment/${name}: no migration Job`);
  else if (migration.spec?.template?.spec?.containers?.[0]?.image !== image) {
    problems.push(`${named(migration)}: runs another image than Deployment/${name}`);
  }
  return problems;
}

export function policyViolations(objects: KubeObject[]): string[] {
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  if (deployments.length === 0) return ['no Deployment rendered'];
  const problems = deployments.flatMap((deployment) => [
    ...deploymentViolations(deployment),
    ...companionViolations(objects, deployment),
  ]);
  for (const job of objects.filter((object) => object.kind === 'Job')) {
    const at = named(job);
    if (job.spec?.backoffLimit !== 0)
      problems.push(`${at}: a migration must not be retried (backoffLimit: 0)`);
    problems.push(...containerViolations(at, job.spec?.template?.spec));
  }
  return problems;
}
