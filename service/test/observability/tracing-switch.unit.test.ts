import { describe, expect, it } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import {
  activeTraceIds,
  inSpan,
  tracingConfigured,
  workerExecArgv,
} from '../../src/observability/tracing.js';
import { defaultServiceName, isUntracedPath } from '../../src/observability/tracing-sdk.js';

describe('tracingConfigured: the standard OTEL_* variables alone decide', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'otlp' }, true],
  ])('%j → %s', (env, expected) => {
    expect(tracingConfigured(env as NodeJS.ProcessEnv)).toBe(expected);
  });
});

describe('the SDK settings', () => {
  it('names the service slipway unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES does', () => {
    expect(defaultServiceName({})).toBe('slipway');
    expect(defaultServiceName({ OTEL_SERVICE_NAME: 'api-blue' })).toBeUndefined();
    expect(defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod' })).toBe(
      'slipway',
    );
    expect(defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'team=x, service.name=api' })).toBeUndefined();
  });

  it('does not trace probes and scrapes, and traces everything else', () => {
    expect(isUntracedPath('/health/live')).toBe(true);
    expect(isUntracedPath('/health/ready?verbose=1')).toBe(true);
    expect(isUntracedPath('/metrics')).toBe(true);
    expect(isUntracedPath('/v1/collections/a/search')).toBe(false);
    expect(isUntracedPath('/healthy')).toBe(false);
  });
});

describe('workerExecArgv: the flags a worker thread gets', () => {
  const serviceFlags = [
    '--import',
    'tsx',
    '--import',
    '/app/service/src/observability/instrument.ts',
    '--import=./service/dist/observability/instrument.js',
    '--max-old-space-size=512',
    '--max-semi-space-size=64',
    '--stack-size',
    '2000',
    '--expose-gc',
    '--enable-source-maps',
    '--conditions',
    'production',
    '--experimental-loader',
    'tsx',
    '--experimental-vm-modules',
    '--no-warnings',
  ];

  it('keeps only module-loading and diagnostics flags: no preload, no V8 or per-process flags', () => {
    expect(workerExecArgv(serviceFlags)).toEqual([
      '--enable-source-maps',
      '--conditions',
      'production',
      '--experimental-vm-modules',
      '--no-warnings',
    ]);
    expect(workerExecArgv(['--import', './instrumentation.js'])).toEqual([]);
  });

  it('gives flags a real worker thread starts with (Node refuses V8 flags such as --max-old-space-size)', async () => {
    expect(() => new Worker('', { eval: true, execArgv: serviceFlags })).toThrow(/invalid execArgv/);
    const worker = new Worker('', { eval: true, execArgv: workerExecArgv(serviceFlags) });
    await expect(
      new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject)),
    ).resolves.toBe(0);
  });
});

describe('span helpers without a started SDK', () => {
  it('run the work and report no trace', async () => {
    const result = await inSpan('retrieval.keyword', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      return activeTraceIds();
    });
    expect(result).toBeUndefined();
  });

  it('pass failures through unchanged', async () => {
    const failure = new Error('store down');
    await expect(
      inSpan('retrieval.vector', {}, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });
});
