import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigurationDoc, renderEnvExample } from '../config/render-config-docs.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
writeFileSync(`${root}.env.example`, renderEnvExample());
writeFileSync(`${root}docs/configuration.md`, renderConfigurationDoc());
console.log('wrote .env.example and docs/configuration.md');
