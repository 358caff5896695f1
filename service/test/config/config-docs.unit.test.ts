import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { configShape, settingDocs } from '../../src/config/config-schema.js';
import { renderConfigurationDoc, renderEnvExample } from '../../src/config/render-config-docs.js';

const root = new URL('../../../', import.meta.url);

describe('generated configuration docs', () => {
  it('documents every setting of the schema', () => {
    expect(Object.keys(settingDocs).sort()).toEqual(Object.keys(configShape).sort());
  });

  it('.env.example is up to date (run `npm run config:docs`)', () => {
    expect(readFileSync(new URL('.env.example', root), 'utf8')).toBe(renderEnvExample());
  });

  it('docs/configuration.md is up to date (run `npm run config:docs`)', () => {
    expect(readFileSync(new URL('docs/configuration.md', root), 'utf8')).toBe(renderConfigurationDoc());
  });
});
