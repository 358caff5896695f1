// Validates rendered objects against the Kubernetes API schemas, as published in the npm models
// (`kubernetes-models` for the built-in API groups, `@kubernetes-models/prometheus-operator` for the
// ServiceMonitor). An object of a kind this file does not know is an error, not a pass.
import type { KubeObject } from './manifest-policy.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

const modelModules: Record<string, () => Promise<Record<string, unknown>>> = {
  'v1/ServiceAccount': () => import('kubernetes-models/v1/ServiceAccount'),
  'v1/ConfigMap': () => import('kubernetes-models/v1/ConfigMap'),
  'v1/Secret': () => import('kubernetes-models/v1/Secret'),
  'v1/Service': () => import('kubernetes-models/v1/Service'),
  'apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  'batch/v1/Job': () => import('kubernetes-models/batch/v1/Job'),
  'policy/v1/PodDisruptionBudget': () => import('kubernetes-models/policy/v1/PodDisruptionBudget'),
  'autoscaling/v2/HorizontalPodAutoscaler': () =>
    import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'),
  'networking.k8s.io/v1/NetworkPolicy': () => import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy'),
  'monitoring.coreos.com/v1/ServiceMonitor': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'),
};

/** Schema errors of one object, or [] when it is valid. */
export async function schemaErrors(object: KubeObject): Promise<string[]> {
  const key = `${object.apiVersion}/${object.kind}`;
  const load = modelModules[key];
  if (!load) return [`${key}: no schema known for this kind`];
  const module = await load();
  const Model = module[object.kind] as ModelClass | undefined;
  if (!Model) return [`${key}: the models package exports no ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${key} ${object.metadata?.name ?? '?'}: ${(error as Error).message}`];
  }
}

/** Schema errors of many objects, checked one after another (the models load lazily, once each). */
export async function allSchemaErrors(objects: KubeObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const object of objects) errors.push(...(await schemaErrors(object)));
  return errors;
}
