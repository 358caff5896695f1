import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config/load-config.js';
import { collectFiles, ingestFiles } from '../documents/ingest-files.js';
import { createLogger } from '../observability/logger.js';
import { createRuntime } from '../runtime.js';
import { isEntryPoint } from './entry-point.js';

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
  let runtime;
  try {
    runtime = await createRuntime(parseConfig(env), createLogger('warn'));
  } catch (error) {
    out.error(error instanceof ConfigError ? error.message : String(error));
    return 2;
  }
  try {
    const files = await collectFiles(positionals);
    const { deps } = runtime;
    const { outcomes } = await ingestFiles(
      {
        collections: deps.collections,
        documents: deps.documents,
        embedder: deps.embedder,
        metrics: deps.metrics,
        chunking: { targetSize: deps.config.CHUNK_SIZE, overlap: deps.config.CHUNK_OVERLAP },
      },
      values.collection,
      files,
      values.base ?? process.cwd(),
    );
    for (const o of outcomes)
      out.log(`${o.duplicate ? 'duplicate' : 'stored   '}  ${o.chunks} chunks  ${o.file}`);
    const stored = outcomes.filter((o) => !o.duplicate).length;
    out.log(`${stored} stored, ${outcomes.length - stored} duplicate, into "${values.collection}"`);
    return 0;
  } catch (error) {
    out.error(`ingest failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = await ingestCommand(process.argv.slice(2));
