// Every Kubernetes overlay renders with `kubectl kustomize`, every object validates against the API schemas,
// and the policy holds; each policy rule is shown to fail on a manifest that breaks it. No cluster runs here:
// this proves the manifests, not a rollout (docs/scaling.md).
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { allSchemaErrors, schemaErrors } from './kubernetes-schema.js';
import { policyViolations, type KubeObject } from './manifest-policy.js';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../deploy/kubernetes');
const overlays = readdirSync(path.join(root, 'overlays'));

async function render(directory: string): Promise<KubeObject[]> {
  const { stdout } = await execFileAsync('kubectl', ['kustomize', directory], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout).map((document) => document.toJS() as KubeObject);
}

const rendered = new Map<string, Promise<KubeObject[]>>();
const renderOverlay = (overlay: string) => {
  if (!rendered.has(overlay)) rendered.set(overlay, render(path.join(root, 'overlays', overlay)));
  return rendered.get(overlay) as Promise<KubeObject[]>;
};

describe('Kubernetes overlays', () => {
  it('has a staging and a production overlay', () => {
    expect(overlays.sort()).toEqual(['production', 'staging']);
  });

  it.each(overlays)('%s renders, into its own namespace, with the environment label', async (overlay) => {
    const objects = await renderOverlay(overlay);
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Job',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    for (const object of objects) {
      expect((object.metadata as { namespace?: string }).namespace).toBe(`slipway-${overlay}`);
      expect(object.metadata?.labels?.environment).toBe(overlay);
    }
  });

  it.each(overlays)('%s: every object validates against the Kubernetes API schemas', async (overlay) => {
    const objects = await renderOverlay(overlay);
    const errors = await allSchemaErrors(objects);
    expect(errors).toEqual([]);
  });

  it.each(overlays)('%s: the manifest policy holds', async (overlay) => {
    expect(policyViolations(await renderOverlay(overlay))).toEqual([]);
  });

  it('the schema check rejects an invalid object and an unknown kind', async () => {
    const [deployment] = (await renderOverlay('staging')).filter((object) => object.kind === 'Deployment');
    const broken = structuredClone(deployment) as KubeObject;
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect((await schemaErrors(broken)).join('\n')).toMatch(/containerPort must be integer/);
    expect(await schemaErrors({ apiVersion: 'v1', kind: 'Pod' })).toEqual([
      'v1/Pod: no schema known for this kind',
    ]);
  });
});

describe('deploy/kubernetes/deploy.sh render (what the workflow applies)', () => {
  const script = path.join(root, 'deploy.sh');
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

  it.each(overlays)(
    '%s: pins every container to the digest, and the result still validates',
    async (overlay) => {
      const { stdout } = await execFileAsync(script, ['render', overlay, `ghcr.io/acme/slipway@${digest}`], {
        maxBuffer: 16 * 1024 * 1024,
      });
      const objects = parseAllDocuments(stdout).map((document) => document.toJS() as KubeObject);
      const images = objects.flatMap((object) =>
        (object.spec?.template?.spec?.containers ?? []).map(
          (container: { image: string }) => container.image,
        ),
      );
      expect(images).toEqual([`ghcr.io/acme/slipway@${digest}`, `ghcr.io/acme/slipway@${digest}`]);
      expect(await allSchemaErrors(objects)).toEqual([]);
      expect(policyViolations(objects)).toEqual([]);
    },
  );

  it('refuses an image that is not pinned by digest, and an unknown environment', async () => {
    for (const args of [
      ['render', 'staging', 'ghcr.io/acme/slipway:latest'],
      ['render', 'qa', `ghcr.io/acme/slipway@${digest}`],
    ]) {
      await expect(execFileAsync(script, args)).rejects.toMatchObject({ code: 2 });
    }
  });
});

type Breakage = [string, (objects: KubeObject[]) => KubeObject[], RegExp];
const deploymentOf = (objects: KubeObject[]) =>
  objects.find((object) => object.kind === 'Deployment') as KubeObject;
const apiContainer = (objects: KubeObject[]) => deploymentOf(objects).spec.template.spec.containers[0];
const without = (kind: string) => (objects: KubeObject[]) => objects.filter((object) => object.kind !== kind);
const changed =
  (change: (objects: KubeObject[]) => void) =>
  (objects: KubeObject[]): KubeObject[] => {
    change(objects);
    return objects;
  };

const breakages: Breakage[] = [
  ['no readiness probe', changed((o) => delete apiContainer(o).readinessProbe), /no readiness probe/],
  ['no liveness probe', changed((o) => delete apiContainer(o).livenessProbe), /no liveness probe/],
  ['no preStop drain', changed((o) => delete apiContainer(o).lifecycle), /no preStop drain/],
  [
    'a grace period shorter than the drain',
    changed((o) => (deploymentOf(o).spec.template.spec.terminationGracePeriodSeconds = 5)),
    /terminationGracePeriodSeconds 5/,
  ],
  ['no resources', changed((o) => delete apiContainer(o).resources), /no requests\.cpu/],
  [
    'a writable root filesystem',
    changed((o) => (apiContainer(o).securityContext.readOnlyRootFilesystem = false)),
    /not read-only/,
  ],
  [
    'capabilities kept',
    changed((o) => delete apiContainer(o).securityContext.capabilities),
    /capabilities are not dropped/,
  ],
  [
    'root allowed',
    changed((o) => {
      delete apiContainer(o).securityContext.runAsNonRoot;
      delete deploymentOf(o).spec.template.spec.securityContext.runAsNonRoot;
    }),
    /runAsNonRoot/,
  ],
  [
    'maxUnavailable above 0',
    changed((o) => (deploymentOf(o).spec.strategy.rollingUpdate.maxUnavailable = 1)),
    /maxUnavailable: 0/,
  ],
  ['no PodDisruptionBudget', without('PodDisruptionBudget'), /no PodDisruptionBudget/],
  ['no HorizontalPodAutoscaler', without('HorizontalPodAutoscaler'), /no HorizontalPodAutoscaler/],
  ['no NetworkPolicy', without('NetworkPolicy'), /no NetworkPolicy/],
  ['no ServiceMonitor', without('ServiceMonitor'), /no ServiceMonitor/],
  ['no migration Job', without('Job'), /no migration Job/],
  [
    'a secret as an environment variable',
    changed((o) =>
      apiContainer(o).env.push({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'slipway-secrets', key: 'DATABASE_URL' } },
      }),
    ),
    /not a file/,
  ],
  [
    'a retried migration',
    changed((o) => ((o.find((object) => object.kind === 'Job') as KubeObject).spec.backoffLimit = 3)),
    /backoffLimit: 0/,
  ],
];

describe('the manifest policy fails on a manifest missing what it requires', () => {
  it.each(breakages)('%s', async (_name, breakIt, message) => {
    const objects = structuredClone(await renderOverlay('production'));
    apiContainer(objects).env ??= [];
    expect(policyViolations(objects)).toEqual([]);
    expect(policyViolations(breakIt(objects)).join('\n')).toMatch(message);
  });
});
