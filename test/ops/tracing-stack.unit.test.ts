// The trace path of compose/compose.observability.yml: the service → the OpenTelemetry Collector → Jaeger →
// Grafana. Each hop names the next by address in a different file; this checks that they agree, that every
// listener stays on loopback, and that the images are pinned.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const yaml = (file: string) => parse(read(file)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const compose = yaml('compose/compose.observability.yml');
const collector = yaml('ops/otel-collector/config.yaml');
const jaeger = yaml('ops/jaeger/config.yaml');
const datasources = yaml('ops/grafana/provisioning/datasources/jaeger.yml');
const dashboard = JSON.parse(read('ops/grafana/dashboards/slipway.json')) as {
  links: { title: string; url: string }[];
  panels: { datasource?: { uid?: string } }[];
};

/** Every `endpoint:` value anywhere in a config. */
function endpoints(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(endpoints);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) =>
      key === 'endpoint' && typeof value === 'string' ? [value] : endpoints(value),
    );
  }
  return [];
}

describe('the trace path: service → collector → Jaeger → Grafana', () => {
  test('the collector and Jaeger run from pinned images on the host network, with their mounted configs', () => {
    for (const [name, image] of [
      ['otel-collector', /^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/],
      ['jaeger', /^jaegertracing\/jaeger:\d+\.\d+\.\d+$/],
    ] as const) {
      const service = compose.services[name];
      expect(service.image).toMatch(image);
      expect(service.network_mode).toBe('host');
      const [, mounted] = /--config=(\S+)/.exec(service.command.join(' '))!;
      expect(service.volumes.map((v: string) => v.split(':')[1])).toContain(mounted);
    }
  });

  test('the collector takes OTLP/HTTP where the docs point the service (127.0.0.1:4318)', () => {
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe('127.0.0.1:4318');
    expect(read('docs/operations.md')).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318');
    expect(collector.service.pipelines.traces.receivers).toContain('otlp');
  });

  test("the collector's traces pipeline exports to Jaeger's OTLP receiver", () => {
    const [exporter] = collector.service.pipelines.traces.exporters as string[];
    expect(collector.exporters[exporter!].endpoint).toBe(jaeger.receivers.otlp.protocols.grpc.endpoint);
    expect(jaeger.service.pipelines.traces.receivers).toContain('otlp');
  });

  test("Grafana's Jaeger datasource is Jaeger's query endpoint, and the dashboard links to it", () => {
    const [source] = datasources.datasources as { uid: string; type: string; url: string }[];
    expect(source!.type).toBe('jaeger');
    expect(new URL(source!.url).host).toBe(jaeger.extensions.jaeger_query.http.endpoint);
    const links = dashboard.links.map((l) => decodeURIComponent(l.url));
    expect(links.some((l) => l.includes(`"uid":"${source!.uid}"`) && l.includes('"service":"slipway"'))).toBe(
      true,
    );
    expect(links.some((l) => l.includes('"query":"${trace_id}"'))).toBe(true);
    expect(dashboard.panels.some((p) => p.datasource?.uid === source!.uid)).toBe(true);
  });

  test('every listener of the collector and Jaeger is on loopback', () => {
    const all = [
      ...endpoints(collector.receivers),
      ...endpoints(jaeger.receivers),
      ...endpoints(jaeger.extensions),
    ];
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const endpoint of all) expect(endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
