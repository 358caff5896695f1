// compose/compose.prod.yml is installed once per environment on a host (scripts/provision): nothing in it may
// be the same for two environments, or their stores would share or collide.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compose = parse(readFileSync(path.join(repoRoot, 'compose/compose.prod.yml'), 'utf8')) as {
  name: string;
  services: Record<string, { ports?: string[]; container_name?: string; volumes?: string[] }>;
  volumes?: Record<string, unknown>;
};

describe('compose.prod.yml: one project per environment', () => {
  test('the project name comes from SLIPWAY_ENVIRONMENT (so do the containers and volumes)', () => {
    expect(compose.name).toMatch(/^slipway-\$\{SLIPWAY_ENVIRONMENT:\?[^}]*\}$/);
    for (const service of Object.values(compose.services)) expect(service.container_name).toBeUndefined();
    // Named volumes only (compose prefixes them with the project); no host paths shared by two projects.
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) expect(volume).not.toMatch(/^[./]/);
    }
  });

  test('every published port is on loopback and set per environment', () => {
    const ports = Object.values(compose.services).flatMap((service) => service.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\$\{[A-Z_]+_PORT:\?[^}]*\}:\d+$/);
  });

  test('provisioning writes every variable the file requires into each compose.env', () => {
    const required = [
      ...readFileSync(path.join(repoRoot, 'compose/compose.prod.yml'), 'utf8').matchAll(/\$\{([A-Z_]+):\?/g),
    ].map((match) => match[1] as string);
    const provision = readFileSync(path.join(repoRoot, 'scripts/provision'), 'utf8');
    const envBlock = /compose\.env" <<EOF \|\| true\n([\s\S]*?)\nEOF/.exec(provision)?.[1] ?? '';
    for (const name of new Set(required)) expect(envBlock).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
