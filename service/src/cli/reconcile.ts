import { reconcileCollection, type CollectionDrift } from '../documents/reconcile-stores.js';
import { isEntryPoint } from '../is-entry-point.js';
import { parseCommandLine } from './command-line.js';
import { withRunningStores } from './running-stores.js';
import { withRuntime } from './with-runtime.js';

const usage = `Usage: npm run reconcile -- [--collection NAME] [--fix] [--json]
  Reports drift between Postgres chunks and Chroma vectors (all collections, or one); --fix repairs it.
  Exit 0 when there is none (or --fix repaired it), 1 when drift remains.
  Stores: DATABASE_URL and CHROMA_URL, or those of the running \`npm start\` (.data/stores.json).`;

/**
 * `npm run reconcile -- [--collection NAME] [--fix] [--json]`: reports drift between Postgres chunks and
 * Chroma vectors. Exit 0 when there is none (or --fix repaired it), 1 when drift remains.
 */
export async function reconcileCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console,
): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    { collection: { type: 'string' }, fix: { type: 'boolean' }, json: { type: 'boolean' } },
    usage,
    out,
  );
  if (!parsed.ok) return parsed.exitCode;
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    out.error(`unexpected argument: ${positionals[0]}\n\n${usage}`);
    return 2;
  }
  return withRuntime('reconcile', withRunningStores(env, out), out, async ({ deps }) => {
    const collections = values.collection
      ? [await deps.collections.get(values.collection)]
      : await deps.collections.list();
    const drift: CollectionDrift[] = [];
    for (const collection of collections) {
      drift.push(await reconcileCollection(deps, collection, { fix: values.fix ?? false }));
    }
    const total = drift.reduce((n, d) => n + d.missingVectors.length + d.orphanVectors.length, 0);
    if (values.json)
      out.log(JSON.stringify({ fixed: values.fix ?? false, drift: total, collections: drift }));
    else {
      for (const d of drift) {
        out.log(
          `${d.collection}: ${d.missingVectors.length} chunk(s) without vectors, ${d.orphanVectors.length} orphan vector(s)`,
        );
      }
      out.log(
        total === 0
          ? 'no drift'
          : values.fix
            ? `repaired ${total} difference(s)`
            : `${total} difference(s); run with --fix to repair`,
      );
    }
    return total === 0 || values.fix ? 0 : 1;
  });
}

if (isEntryPoint(import.meta.url)) process.exitCode = await reconcileCommand(process.argv.slice(2));
