import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { validateActionMetadata } from '../../../scripts/validate-action-metadata.js';

describe('scan-gate action.yml', () => {
  const { metadata, problems } = validateActionMetadata(
    readFileSync(new URL('../action.yml', import.meta.url), 'utf8'),
  );

  it("follows GitHub's action metadata schema and runs dist/index.js on node24", () => {
    expect(problems).toEqual([]);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares the documented inputs and outputs', () => {
    expect(Object.keys(metadata.inputs as object)).toEqual([
      'report',
      'severities',
      'ignore-unfixed',
      'waivers',
      'result-file',
    ]);
    expect(Object.keys(metadata.outputs as object)).toEqual(
      expect.arrayContaining(['blocking', 'total', 'summary', 'counts']),
    );
  });
});
