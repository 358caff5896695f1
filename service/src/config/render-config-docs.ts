import { settingDocs, type SettingName } from './config-schema.js';

const names = Object.keys(settingDocs) as SettingName[];

/** .env.example, generated from the schema's documentation. */
export function renderEnvExample(): string {
  const lines = [
    '# Generated from service/src/config/config-schema.ts by `npm run config:docs`. Do not edit by hand.',
    '# Every secret may instead be given as NAME_FILE=/path/to/file (e.g. Docker/Compose secrets).',
    '',
  ];
  for (const name of names) {
    const doc = settingDocs[name];
    lines.push(`# ${doc.description}`);
    const tags = [doc.secret ? 'secret' : '', doc.productionRequired ? 'required in production' : '']
      .filter(Boolean)
      .join(', ');
    if (tags) lines.push(`# (${tags})`);
    if (doc.defaultText !== undefined) lines.push(`# default: ${doc.defaultText}`);
    const value = doc.example ?? '';
    lines.push(
      doc.example !== undefined && (doc.productionRequired || doc.secret)
        ? `${name}=${value}`
        : `# ${name}=${value}`,
    );
    lines.push('');
  }
  return lines.join('\n');
}

/** docs/configuration.md, generated from the schema's documentation. */
export function renderConfigurationDoc(): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const rows = names.map((name) => {
    const doc = settingDocs[name];
    const flags = [
      doc.secret ? 'secret, `_FILE` ok' : '',
      doc.productionRequired ? 'required in production' : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `| \`${name}\` | ${escape(doc.defaultText ?? (doc.productionRequired ? '—' : '(unset)'))} | ${escape(flags)} | ${escape(doc.description)} |`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated from service/src/config/config-schema.ts by `npm run config:docs`; a test fails when it is stale. -->',
    '',
    'The service reads its settings from environment variables, validated by one zod schema at start-up: every',
    'problem is reported at once and the process exits non-zero. Secrets may be given as `NAME_FILE` (a path to a',
    'file holding the value, as Docker/Compose secrets provide) instead of `NAME`; setting both is an error.',
    '',
    'With `NODE_ENV=production` the service also refuses insecure settings: missing `REDIS_URL`, embedded stores,',
    'the development `API_KEY_PEPPER` or one shorter than 32 characters, a short `BOOTSTRAP_ADMIN_KEY`,',
    '`CORS_ORIGINS=*`, and database/Redis URLs without a real password.',
    '',
    '| Variable | Default | Notes | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
