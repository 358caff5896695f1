#!/usr/bin/env node
// Fails when a committed action bundle (actions/<name>/dist/*) differs from a fresh build of its source.
// Rebuilds every action into a temporary directory and compares the files byte for byte.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleActions } from './bundle-actions.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function listFiles(dir) {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Differences between the committed dist and a fresh build, per action. */
function compareDist(committedDir, freshDir) {
  const problems = [];
  const committed = listFiles(committedDir);
  const fresh = listFiles(freshDir);
  for (const file of fresh) {
    if (!committed.includes(file)) problems.push(`${file} is missing from the committed dist`);
    else if (!readFileSync(path.join(committedDir, file)).equals(readFileSync(path.join(freshDir, file)))) {
      problems.push(`${file} differs from a fresh build`);
    }
  }
  for (const file of committed) {
    if (!fresh.includes(file)) problems.push(`${file} is not produced by the build (stale file)`);
  }
  return problems;
}

const outRoot = mkdtempSync(path.join(os.tmpdir(), 'slipway-check-dist-'));
try {
  const built = await bundleActions({ rootDir, outRoot });
  const stale = [];
  for (const { name } of built) {
    const problems = compareDist(path.join(rootDir, 'actions', name, 'dist'), path.join(outRoot, name));
    if (problems.length > 0) stale.push({ name, problems });
  }
  if (stale.length > 0) {
    console.error('check-dist: committed bundles are stale. Run `npm run build:actions` and commit dist/.');
    for (const { name, problems } of stale) {
      console.error(`  actions/${name}:`);
      for (const problem of problems) console.error(`    - ${problem}`);
    }
    process.exitCode = 1;
  } else {
    console.log(`check-dist: ${built.length} action bundle(s) match their source.`);
  }
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
