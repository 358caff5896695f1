// Test support: checks an action.yml against the rules of GitHub's action metadata schema
// (https://docs.github.com/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions)
// for JavaScript actions. Returns every problem found; empty means valid.
import { parse } from 'yaml';

const topLevelKeys = ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding'];
const inputKeys = ['description', 'required', 'default', 'deprecationMessage'];
const nodeRunsKeys = ['using', 'main', 'pre', 'pre-if', 'post', 'post-if'];
const nodeRuntimes = ['node12', 'node16', 'node20', 'node24'];
const brandingColours = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
const idPattern = /^[_a-zA-Z][a-zA-Z0-9_-]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateActionMetadata(text: string): {
  metadata: Record<string, unknown>;
  problems: string[];
} {
  const metadata: unknown = parse(text);
  const problems: string[] = [];
  if (!isRecord(metadata)) return { metadata: {}, problems: ['action.yml must be a mapping'] };
  for (const key of Object.keys(metadata))
    if (!topLevelKeys.includes(key)) problems.push(`unknown key "${key}"`);
  for (const key of ['name', 'description']) {
    if (typeof metadata[key] !== 'string' || !(metadata[key] as string).trim())
      problems.push(`"${key}" is required`);
  }
  if (metadata.author !== undefined && typeof metadata.author !== 'string')
    problems.push('"author" must be a string');
  for (const section of ['inputs', 'outputs'] as const) {
    const entries = metadata[section];
    if (entries === undefined) continue;
    if (!isRecord(entries)) {
      problems.push(`"${section}" must be a mapping`);
      continue;
    }
    for (const [id, definition] of Object.entries(entries)) {
      if (!idPattern.test(id)) problems.push(`${section}.${id}: invalid id`);
      if (!isRecord(definition)) {
        problems.push(`${section}.${id} must be a mapping`);
        continue;
      }
      if (typeof definition.description !== 'string')
        problems.push(`${section}.${id}.description is required`);
      const allowed = section === 'inputs' ? inputKeys : ['description'];
      for (const key of Object.keys(definition)) {
        if (!allowed.includes(key)) problems.push(`${section}.${id}: unknown key "${key}"`);
      }
      if (section === 'inputs') {
        if (definition.required !== undefined && typeof definition.required !== 'boolean') {
          problems.push(`inputs.${id}.required must be a boolean`);
        }
        if (definition.default !== undefined && typeof definition.default !== 'string') {
          problems.push(`inputs.${id}.default must be a string`);
        }
      }
    }
  }
  const runs = metadata.runs;
  if (!isRecord(runs)) problems.push('"runs" is required');
  else {
    if (!nodeRuntimes.includes(String(runs.using)))
      problems.push(`runs.using must be one of ${nodeRuntimes.join(', ')}`);
    if (typeof runs.main !== 'string' || !runs.main) problems.push('runs.main is required');
    for (const key of Object.keys(runs))
      if (!nodeRunsKeys.includes(key)) problems.push(`runs: unknown key "${key}"`);
  }
  if (metadata.branding !== undefined) {
    const branding = metadata.branding;
    if (!isRecord(branding)) problems.push('"branding" must be a mapping');
    else {
      if (branding.color !== undefined && !brandingColours.includes(String(branding.color))) {
        problems.push(`branding.color must be one of ${brandingColours.join(', ')}`);
      }
      if (branding.icon !== undefined && typeof branding.icon !== 'string')
        problems.push('branding.icon must be a string');
      for (const key of Object.keys(branding))
        if (!['icon', 'color'].includes(key)) problems.push(`branding: unknown key "${key}"`);
    }
  }
  return { metadata, problems };
}
