import { ingestDepsOf } from '../documents/ingest-documents.js';
import { collectFiles, ingestFiles, INGESTIBLE_EXTENSIONS } from '../documents/ingest-files.js';
import { isEntryPoint } from '../is-entry-point.js';
import { parseCommandLine } from './command-line.js';
import { withRunningStores } from './running-stores.js';
import { withRuntime } from './with-runtime.js';

const usage = `Usage: npm run ingest -- --collection NAME [--base DIR] PATH...
  Ingests files and folders (${INGESTIBLE_EXTENSIONS.join(' ')}) into a collection, creating it if needed.
  A document's id is its path relative to the folder given (or, for a file given, its file name);
  --base DIR makes ids relative to DIR instead. Its title comes from its content (first heading, HTML <title>).
  Content already stored under another id is refused (409), see docs/adr/0006-duplicate-content-under-a-new-id.md.
  Stores: DATABASE_URL and CHROMA_URL, or those of the running \`npm start\` (.data/stores.json).`;

/** Ingests files and folders into a collection straight through the stores (no HTTP), creating it if needed. */
export async function ingestCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console,
): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    { collection: { type: 'string', short: 'c' }, base: { type: 'string' } },
    usage,
    out,
  );
  if (!parsed.ok) return parsed.exitCode;
  const { values, positionals } = parsed;
  if (!values.collection || positionals.length === 0) {
    out.error(usage);
    return 2;
  }
  const { files, skipped } = await collectFiles(positionals);
  for (const s of skipped) out.error(`skipped    ${s.path}: ${s.reason}`);
  if (files.length === 0) {
    out.error('nothing to ingest');
    return skipped.length > 0 ? 1 : 0;
  }
  const withBase = values.base ? files.map((f) => ({ ...f, base: values.base as string })) : files;
  return withRuntime('ingest', withRunningStores(env, out), out, async ({ deps }) => {
    const { outcomes } = await ingestFiles(ingestDepsOf(deps), values.collection as string, withBase);
    for (const o of outcomes)
      out.log(`${o.duplicate ? 'duplicate' : 'stored   '}  ${o.chunks} chunks  ${o.file}  (id ${o.id})`);
    const stored = outcomes.filter((o) => !o.duplicate).length;
    out.log(
      `${stored} stored, ${outcomes.length - stored} duplicate${skipped.length ? `, ${skipped.length} skipped` : ''}, into "${values.collection}"`,
    );
    return skipped.length > 0 ? 1 : 0;
  });
}

if (isEntryPoint(import.meta.url)) process.exitCode = await ingestCommand(process.argv.slice(2));
