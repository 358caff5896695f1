import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { validateActionMetadata } from '../../../scripts/validate-action-metadata.js';
import { deployInputNames } from '../src/deploy-inputs.js';

describe('deploy action.yml', () => {
  const { metadata, problems } = validateActionMetadata(
    readFileSync(new URL('../action.yml', import.meta.url), 'utf8'),
  );

  it("follows GitHub's action metadata schema and runs dist/index.js on node24", () => {
    expect(problems).toEqual([]);
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('every declared input is read by the action, and nothing else', () => {
    expect([...deployInputNames].sort()).toEqual(Object.keys(metadata.inputs as object).sort());
  });

  it('declares the inputs and outputs of the deploy contract', () => {
    expect(Object.keys(metadata.inputs as object)).toEqual(
      expect.arrayContaining([
        'host',
        'port',
        'user',
        'ssh-key',
        'known-hosts',
        'image',
        'environment',
        'app-dir',
        'health-path',
        'health-timeout',
        'drain-seconds',
        'lock-ttl',
        'command',
        'github-token',
      ]),
    );
    expect((metadata.inputs as Record<string, { required?: boolean }>)['known-hosts']?.required).toBe(true);
    expect(Object.keys(metadata.outputs as object)).toEqual([
      'color',
      'previous-color',
      'image',
      'duration-seconds',
      'url',
    ]);
  });
});
