// Builds the web console into dist/: index.html plus content-hashed assets (cached as immutable by the
// service). Safe to run while a service serves dist/ and from several processes at once: every file is
// written to a temporary name and renamed into place, and equal sources give equal names.
// Usage: tsx console/build/build-console.ts [OUT_DIR]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const consoleRoot = fileURLToPath(new URL('../', import.meta.url));
export const defaultConsoleDist = join(consoleRoot, 'dist');

export interface ConsoleBuild {
  dir: string;
  /** File names under dir/assets/. */
  assets: { script: string; style: string; icon: string; licences: string };
  /** Bytes of the JavaScript and CSS, raw and gzipped (level 9, as a server's static gzip would send). */
  sizes: { script: number; scriptGzip: number; style: number; styleGzip: number };
}

const hashed = (name: string, ext: string, content: Uint8Array | string) =>
  `${name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${ext}`;

function writeAtomically(path: string, content: Uint8Array | string) {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** The licence texts of what the bundle contains, so the shipped page carries them (MIT asks for it). */
function licenceText(): string {
  const preact = readFileSync(fileURLToPath(import.meta.resolve('preact/package.json')), 'utf8');
  const { version } = JSON.parse(preact) as { version: string };
  const licence = readFileSync(
    fileURLToPath(new URL('LICENSE', import.meta.resolve('preact/package.json'))),
    'utf8',
  );
  return `The Slipway console bundles:\n\npreact@${version} (MIT)\n\n${licence}`;
}

async function bundle() {
  const result = await esbuild.build({
    entryPoints: [join(consoleRoot, 'src/main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!script || !style) throw new Error('esbuild produced no script or no stylesheet');
  return { script: script.contents, style: style.contents };
}

export async function buildConsole(dir = defaultConsoleDist): Promise<ConsoleBuild> {
  const { script, style } = await bundle();
  const icon = readFileSync(join(consoleRoot, 'src/favicon.svg'));
  const licences = licenceText();
  const files = new Map<string, Uint8Array | string>([
    [hashed('console', 'js', script), script],
    [hashed('console', 'css', style), style],
    [hashed('favicon', 'svg', icon), icon],
    [hashed('licences', 'txt', licences), licences],
  ]);
  const [scriptName, styleName, iconName, licencesName] = [...files.keys()] as [
    string,
    string,
    string,
    string,
  ];
  const assetsDir = join(dir, 'assets');
  mkdirSync(assetsDir, { recursive: true });
  for (const [name, content] of files) writeAtomically(join(assetsDir, name), content);
  const html = readFileSync(join(consoleRoot, 'src/index.html'), 'utf8')
    .replace('{{script}}', scriptName)
    .replace('{{style}}', styleName)
    .replace('{{icon}}', iconName);
  writeAtomically(join(dir, 'index.html'), html);
  // older builds' assets: no page refers to them any more
  for (const name of readdirSync(assetsDir))
    if (!files.has(name) && !name.endsWith('.tmp')) rmSync(join(assetsDir, name), { force: true });
  return {
    dir,
    assets: { script: scriptName, style: styleName, icon: iconName, licences: licencesName },
    sizes: {
      script: script.byteLength,
      scriptGzip: gzipSync(script, { level: 9 }).byteLength,
      style: style.byteLength,
      styleGzip: gzipSync(style, { level: 9 }).byteLength,
    },
  };
}

if (process.argv[1] && basename(process.argv[1]) === 'build-console.ts') {
  const built = await buildConsole(process.argv[2] ?? defaultConsoleDist);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `console built in ${built.dir}: ${built.assets.script} ${kb(built.sizes.script)} (${kb(built.sizes.scriptGzip)} gzipped), ` +
      `${built.assets.style} ${kb(built.sizes.style)} (${kb(built.sizes.styleGzip)} gzipped)`,
  );
}
