import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { validateActionMetadata } from '../../../scripts/validate-action-metadata.js';
import { INPUT_DEFAULTS } from '../src/ingest-inputs.js';

describe('ingest action.yml', () => {
  const { metadata, problems } = validateActionMetadata(
    readFileSync(new URL('../action.yml', import.meta.url), 'utf8'),
  );
  const inputs = metadata.inputs as Record<string, { required?: boolean; default?: string }>;

  it("follows GitHub's action metadata schema and runs dist/index.js on node24", () => {
    expect(problems).toEqual([]);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares the documented inputs and outputs', () => {
    expect(Object.keys(inputs)).toEqual([
      'url',
      'api-key',
      'collection',
      'folder',
      'urls',
      'url-file',
      'batch-size',
      'max-batch-bytes',
      'max-url-bytes',
      'timeout-seconds',
      'max-retries',
      'replace-changed',
      'fail-on-error',
    ]);
    expect(Object.keys(metadata.outputs as object)).toEqual([
      'added',
      'updated',
      'duplicates',
      'failed',
      'skipped',
      'total',
    ]);
  });

  it('url, api-key and collection are required; every other input has the default the code applies', () => {
    const required = Object.keys(inputs).filter((name) => inputs[name]?.required);
    expect(required).toEqual(['url', 'api-key', 'collection']);
    const defaults = Object.fromEntries(
      Object.entries(inputs)
        .filter(([, input]) => !input.required)
        .map(([name, input]) => [name, input.default]),
    );
    expect(defaults).toEqual(INPUT_DEFAULTS);
  });
});
