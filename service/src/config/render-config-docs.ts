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
  lines.push(
    '# Tracing: the standard OTEL_* variables, read by the OpenTelemetry SDK itself (docs/operations.md#tracing).',
    '# Unset = tracing off. e.g. the collector of compose/compose.observability.yml:',
    '# OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318',
    '',
  );
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
    '## Tracing (OpenTelemetry)',
    '',
    'Tracing is configured only by the standard `OTEL_*` variables, which the OpenTelemetry SDK reads itself, so',
    'they are not part of the schema above: `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)',
    'turns it on, and it is off when neither is set, or with `OTEL_SDK_DISABLED=true`. The variables the service is',
    'tested with and what a trace holds: [operations](operations.md#tracing).',
    '',
  ].join('\n');
}
