import { parseArgs } from 'node:util';
import { reconcileCollection, type CollectionDrift } from '../documents/reconcile-stores.js';
import { isEntryPoint } from '../is-entry-point.js';
import { withRuntime } from './with-runtime.js';

/**
 * `npm run reconcile -- [--collection NAME] [--fix] [--json]`: reports drift between Postgres chunks and
 * Chroma vectors. Exit 0 when there is none (or --fix repaired it), 1 when drift remains.
 */
export async function reconcileCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { collection: { type: 'string' }, fix: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  return withRuntime('reconcile', env, out, async ({ deps }) => {
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
