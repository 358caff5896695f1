// Local entry point: `npm run lint:migrations [-- --path migrations --base-ref origin/main]`.
import { parseArgs } from 'node:util';
import { formatViolation, lintMigrations } from './lint-migrations.js';
import { readBaseMigrationFiles, readMigrationFiles } from './read-migration-files.js';

const { values } = parseArgs({
  options: { path: { type: 'string', default: 'migrations' }, 'base-ref': { type: 'string' } },
});
const dir = values.path ?? 'migrations';
const baseRef = values['base-ref'];
try {
  const files = readMigrationFiles(dir);
  const baseFiles = baseRef ? readBaseMigrationFiles(dir, baseRef) : undefined;
  const result = await lintMigrations(files, baseFiles ? { baseFiles } : {});
  for (const note of result.notes) console.warn(`warning: ${note.file}:${note.line} ${note.message}`);
  for (const waived of result.waived) console.log(`waived: ${formatViolation(waived)}`);
  for (const violation of result.violations) console.error(formatViolation(violation));
  console.log(
    `migration-lint: ${result.filesChecked} file(s) checked, ${result.violations.length} violation(s), ` +
      `${result.waived.length} waived`,
  );
  process.exitCode = result.violations.length > 0 ? 1 : 0;
} catch (error) {
  console.error(`migration-lint: ${(error as Error).message}`);
  process.exitCode = 2;
}
