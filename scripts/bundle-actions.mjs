#!/usr/bin/env node
// Bundles every custom action: actions/<name>/src/index.ts -> actions/<name>/dist/index.js (one ESM file
// that needs no node_modules at run time) plus actions/<name>/dist/licenses.txt (licence notices of the
// bundled third-party packages). Actions are discovered, not listed: a new actions/<name>/src/index.ts
// is bundled automatically. index.ts calls run(); main.ts only exports it.
//
//   node scripts/bundle-actions.mjs                 # write into each action's dist/
//   node scripts/bundle-actions.mjs --out-dir DIR   # write into DIR/<name>/ instead (used by check-dist)
//   node scripts/bundle-actions.mjs scan-gate       # only the named action(s)
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const defaultRootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ESM output cannot `require`, and CommonJS dependencies (and Emscripten's loader) expect require,
// __filename and __dirname. The aliases avoid clashing with names inside the bundle.
const banner = [
  "import { createRequire as __slipwayCreateRequire } from 'node:module';",
  "import { fileURLToPath as __slipwayFileURLToPath } from 'node:url';",
  "import { dirname as __slipwayDirname } from 'node:path';",
  'const require = __slipwayCreateRequire(import.meta.url);',
  'const __filename = __slipwayFileURLToPath(import.meta.url);',
  'const __dirname = __slipwayDirname(__filename);',
].join('\n');

/** Names of the actions that have a src/index.ts, sorted. */
export function discoverActions(rootDir = defaultRootDir) {
  const actionsDir = path.join(rootDir, 'actions');
  if (!existsSync(actionsDir)) return [];
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(path.join(actionsDir, entry.name, 'src', 'index.ts')),
    )
    .map((entry) => entry.name)
    .sort();
}

// libpg-query's Emscripten loader reads libpg-query.wasm from its own directory at run time. The bundle
// must not depend on node_modules, so the WASM bytes are inlined (base64) and handed to Emscripten's
// documented `instantiateWasm` hook. The build fails loudly if the loader's shape ever changes.
const inlineEmscriptenWasm = {
  name: 'inline-emscripten-wasm',
  setup(build) {
    build.onLoad({ filter: /[\\/]libpg-query[\\/]wasm[\\/]libpg-query\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const hook = 'var instantiateWasm=Module["instantiateWasm"];';
      if (!source.includes(hook)) {
        throw new Error(
          `inline-emscripten-wasm: hook not found in ${args.path}; update scripts/bundle-actions.mjs`,
        );
      }
      const wasmBase64 = readFileSync(path.join(path.dirname(args.path), 'libpg-query.wasm')).toString(
        'base64',
      );
      const inlined =
        'var instantiateWasm=Module["instantiateWasm"]??((imports,onInstance)=>{' +
        `WebAssembly.instantiate(Buffer.from(${JSON.stringify(wasmBase64)},"base64"),imports)` +
        '.then((result)=>onInstance(result.instance))});';
      return { contents: source.replace(hook, inlined), loader: 'js' };
    });
  },
};

// Native addons (*.node) cannot be inlined into a JavaScript bundle. They stay external, so a require of one
// fails at run time: only optional addons (loaded inside try/catch, like ssh2's cpu-features) are fine.
const nativeAddonsExternal = {
  name: 'native-addons-external',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

function findPackageRoot(inputPath, rootDir) {
  // inputPath is relative to rootDir, e.g. node_modules/@octokit/core/dist-src/index.js
  const parts = inputPath.split('/');
  const index = parts.lastIndexOf('node_modules');
  if (index < 0) return undefined;
  const nameLength = parts[index + 1]?.startsWith('@') ? 2 : 1;
  return path.join(rootDir, ...parts.slice(0, index + 1 + nameLength));
}

function readLicenceText(packageDir) {
  const candidates = readdirSync(packageDir).filter((file) =>
    /^(licen[cs]e|copying|notice)(\.|-|$)/i.test(file),
  );
  return candidates
    .sort()
    .map((file) => readFileSync(path.join(packageDir, file), 'utf8').trim())
    .join('\n\n');
}

// Code compiled into a package (not visible as separate files in node_modules) whose notices the package's
// own LICENSE does not carry.
const embeddedNotices = {
  'libpg-query': `libpg-query.wasm embeds libpg_query and the PostgreSQL parser source.

libpg_query — BSD 3-Clause License
Copyright (c) 2015, Lukas Fittl <lukas@fittl.com>
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted provided
that the following conditions are met:
* Redistributions of source code must retain the above copyright notice, this list of conditions and the
  following disclaimer.
* Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the
  following disclaimer in the documentation and/or other materials provided with the distribution.
* Neither the name of pg_query nor the names of its contributors may be used to endorse or promote products
  derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED
WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A
PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY
DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR
OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH
DAMAGE.

PostgreSQL — PostgreSQL License
Portions Copyright (c) 1996-2025, The PostgreSQL Global Development Group
Portions Copyright (c) 1994, The Regents of the University of California

Permission to use, copy, modify, and distribute this software and its documentation for any purpose, without
fee, and without a written agreement is hereby granted, provided that the above copyright notice and this
paragraph and the following two paragraphs appear in all copies.

IN NO EVENT SHALL THE UNIVERSITY OF CALIFORNIA BE LIABLE TO ANY PARTY FOR DIRECT, INDIRECT, SPECIAL,
INCIDENTAL, OR CONSEQUENTIAL DAMAGES, INCLUDING LOST PROFITS, ARISING OUT OF THE USE OF THIS SOFTWARE AND ITS
DOCUMENTATION, EVEN IF THE UNIVERSITY OF CALIFORNIA HAS BEEN ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

THE UNIVERSITY OF CALIFORNIA SPECIFICALLY DISCLAIMS ANY WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE. THE SOFTWARE PROVIDED HEREUNDER
IS ON AN "AS IS" BASIS, AND THE UNIVERSITY OF CALIFORNIA HAS NO OBLIGATIONS TO PROVIDE MAINTENANCE, SUPPORT,
UPDATES, ENHANCEMENTS, OR MODIFICATIONS.`,
};

/** Licence notices for every third-party package that has at least one file in the bundle. */
export function renderLicences(metafile, rootDir) {
  const packageDirs = new Set();
  for (const inputPath of Object.keys(metafile.inputs)) {
    const dir = findPackageRoot(inputPath, rootDir);
    if (dir) packageDirs.add(dir);
  }
  const entries = [...packageDirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return { name: manifest.name, version: manifest.version, licence: manifest.license ?? 'UNKNOWN', dir };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sections = entries.map((entry) => {
    const own = readLicenceText(entry.dir) || '(no licence file shipped with the package)';
    const text = embeddedNotices[entry.name] ? `${own}\n\n${embeddedNotices[entry.name]}` : own;
    return `${entry.name}@${entry.version}\nLicence: ${entry.licence}\n\n${text}\n`;
  });
  return (
    'Third-party software bundled into dist/index.js\n' +
    `${'='.repeat(48)}\n\n` +
    sections.join(`\n${'-'.repeat(48)}\n\n`)
  );
}

/** Bundles one action; writes index.js and licenses.txt into outDir. */
export async function bundleAction(name, { rootDir = defaultRootDir, outDir } = {}) {
  const targetDir = outDir ?? path.join(rootDir, 'actions', name, 'dist');
  const result = await esbuild.build({
    absWorkingDir: rootDir,
    entryPoints: [path.join('actions', name, 'src', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: banner },
    legalComments: 'none',
    charset: 'utf8',
    preserveSymlinks: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [inlineEmscriptenWasm, nativeAddonsExternal],
  });
  const [output] = result.outputFiles;
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(path.join(targetDir, 'index.js'), output.contents);
  writeFileSync(path.join(targetDir, 'licenses.txt'), renderLicences(result.metafile, rootDir));
  return { name, bytes: output.contents.length };
}

/**
 * Bundles every discovered action (or only `names`). With outRoot, action <name> goes to outRoot/<name>/.
 */
export async function bundleActions({ rootDir = defaultRootDir, outRoot, names } = {}) {
  const discovered = discoverActions(rootDir);
  const unknown = (names ?? []).filter((name) => !discovered.includes(name));
  if (unknown.length > 0) throw new Error(`no actions/<name>/src/index.ts for: ${unknown.join(', ')}`);
  const results = [];
  for (const name of names?.length ? names : discovered) {
    results.push(
      await bundleAction(name, { rootDir, outDir: outRoot ? path.join(outRoot, name) : undefined }),
    );
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outFlag = args.indexOf('--out-dir');
  const outRoot = outFlag >= 0 ? path.resolve(args[outFlag + 1] ?? '') : undefined;
  const names = args.filter((arg, index) => !arg.startsWith('--') && (outFlag < 0 || index !== outFlag + 1));
  const started = Date.now();
  const results = await bundleActions({ outRoot, names });
  for (const { name, bytes } of results) {
    console.log(`bundled actions/${name} (${(bytes / 1024).toFixed(0)} KiB)`);
  }
  console.log(`${results.length} action(s) in ${Date.now() - started} ms`);
}
