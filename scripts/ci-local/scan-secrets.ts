// `npm run scan:secrets`: secretlint (recommended preset, offline) over every file git tracks or would
// add (tracked + untracked, minus .gitignore), so build output and node_modules are never scanned.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CONFIG = '.github/secretlint.json';
/** Test files hold fake credentials on purpose (e.g. config validation fixtures); everything else is scanned. */
const SKIP = [/(^|\/)test\/.+\.test\.ts$/, /(^|\/)package-lock\.json$/];
const BATCH = 200;

const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
})
  .split('\0')
  .filter((file) => file !== '' && !SKIP.some((pattern) => pattern.test(file)) && existsSync(file));

let failed = false;
for (let i = 0; i < files.length; i += BATCH) {
  const batch = files.slice(i, i + BATCH);
  const result = spawnSync(
    process.execPath,
    ['node_modules/secretlint/bin/secretlint.js', '--secretlintrc', CONFIG, '--no-glob', ...batch],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) failed = true;
}
console.log(`secret scan: ${files.length} file(s), ${failed ? 'findings above' : 'no secrets found'}`);
process.exit(failed ? 1 : 0);
