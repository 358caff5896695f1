// One jest run covers every workspace. Tests are ESM TypeScript, transformed by swc
// (type checking is `npm run typecheck`'s job). Run through `npm test`, which passes
// --experimental-vm-modules so ESM-only dependencies load as they do in production.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{harness,service,devtools,console,actions/*}/test/**/*.unit.test.ts',
        '<rootDir>/test/ops/**/*.unit.test.ts',
        '<rootDir>/test/workflows/**/*.unit.test.ts',
        '<rootDir>/scripts/**/test/**/*.unit.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/{harness,service,devtools,console,actions/*}/test/**/*.int.test.ts',
        '<rootDir>/test/ops/**/*.int.test.ts',
        '<rootDir>/scripts/**/test/**/*.int.test.ts',
        '<rootDir>/bench/test/**/*.int.test.ts',
        '<rootDir>/test/kubernetes/**/*.int.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
    },
  ],
};
