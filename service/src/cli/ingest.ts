import { parseArgs } from 'node:util';
import { ingestDepsOf } from '../documents/ingest-documents.js';
import { collectFiles, ingestFiles } from '../documents/ingest-files.js';
import { isEntryPoint } from '../is-entry-point.js';
import { withRuntime } from './with-runtime.js';

const usage = 'Usage: npm run ingest -- --collection NAME PATH... (files or folders of .txt, .md, .html)';

/** Ingests files and folders into a collection straight through the stores (no HTTP), creating it if needed. */
export async function ingestCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { collection: { type: 'string', short: 'c' }, base: { type: 'string' } },
  });
  if (!values.collection || positionals.length === 0) {
    out.error(usage);
    return 2;
  }
  return withRuntime('ingest', env, out, async ({ deps }) => {
    const files = await collectFiles(positionals);
    const { outcomes } = await ingestFiles(
      ingestDepsOf(deps),
      values.collection as string,
      files,
      values.base ?? process.cwd(),
    );
    for (const o of outcomes)
      out.log(`${o.duplicate ? 'duplicate' : 'stored   '}  ${o.chunks} chunks  ${o.file}`);
    const stored = outcomes.filter((o) => !o.duplicate).length;
    out.log(`${stored} stored, ${outcomes.length - stored} duplicate, into "${values.collection}"`);
    return 0;
  });
}

if (isEntryPoint(import.meta.url)) process.exitCode = await ingestCommand(process.argv.slice(2));
