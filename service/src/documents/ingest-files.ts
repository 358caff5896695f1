import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type { CollectionRecord, CollectionStore } from '../collections/collection-store.js';
import { formatFromFileName } from '../text/normalize-document.js';
import {
  ingestDocuments,
  type IngestDeps,
  type IngestInput,
  type IngestOutcome,
} from './ingest-documents.js';

export const INGESTIBLE_EXTENSIONS: readonly string[] = ['.txt', '.md', '.markdown', '.html', '.htm'];
const ingestible = new Set(INGESTIBLE_EXTENSIONS);

/** A file to ingest and the folder its id is made relative to (the folder given, or a given file's own folder). */
export interface FoundFile {
  path: string;
  base: string;
}

export interface CollectedFiles {
  files: FoundFile[];
  /** Paths given explicitly that will not be ingested, and why. */
  skipped: { path: string; reason: string }[];
}

/**
 * Every .txt/.md/.html file under the given files and folders, sorted, skipping dot-folders and node_modules.
 * A file named explicitly with another type, or a path that does not exist, is reported in `skipped`.
 */
export async function collectFiles(paths: string[]): Promise<CollectedFiles> {
  const found = new Map<string, FoundFile>();
  const skipped: CollectedFiles['skipped'] = [];
  const visit = async (path: string, base: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = join(path, entry.name);
      if (entry.isDirectory()) await visit(child, base);
      else if (ingestible.has(extname(entry.name).toLowerCase()) && !found.has(child))
        found.set(child, { path: child, base });
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    const info = await stat(path).catch(() => undefined);
    if (!info) skipped.push({ path: given, reason: 'no such file or folder' });
    else if (info.isDirectory()) await visit(path, path);
    else if (!ingestible.has(extname(path).toLowerCase()))
      skipped.push({ path: given, reason: `not a ${INGESTIBLE_EXTENSIONS.join('/')} file` });
    else if (!found.has(path)) found.set(path, { path, base: dirname(path) });
  }
  return { files: [...found.values()].sort((a, b) => a.path.localeCompare(b.path)), skipped };
}

/** Pure: a file's document — id and source from its path relative to `base`; the title comes from its content. */
export function fileToDocument(path: string, content: string, base: string): IngestInput {
  const rel = relative(base, path).split('\\').join('/');
  return {
    id: rel.replace(/[^A-Za-z0-9._:-]+/g, '-').slice(0, 128),
    source: rel,
    text: content,
    format: formatFromFileName(path),
  };
}

/** Ingests files into a collection (created when missing), in batches. */
export async function ingestFiles(
  deps: IngestDeps & { collections: CollectionStore },
  collectionName: string,
  files: readonly FoundFile[],
  batchSize = 20,
): Promise<{ collection: CollectionRecord; outcomes: (IngestOutcome & { file: string })[] }> {
  const collection =
    (await deps.collections.find(collectionName)) ?? (await deps.collections.create(collectionName));
  const outcomes: (IngestOutcome & { file: string })[] = [];
  for (let i = 0; i < files.length; i += batchSize) {
    const batch = files.slice(i, i + batchSize);
    const inputs = await Promise.all(
      batch.map(async (f) => ({ input: fileToDocument(f.path, await readFile(f.path, 'utf8'), f.base), f })),
    );
    const nonEmpty = inputs.filter((x) => x.input.text.trim());
    const results = await ingestDocuments(
      deps,
      collection,
      nonEmpty.map((x) => x.input),
    );
    results.forEach((r, j) => outcomes.push({ ...r, file: nonEmpty[j]!.input.source as string }));
  }
  return { collection, outcomes };
}
