import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import type { CollectionRecord, CollectionStore } from '../collections/collection-store.js';
import { formatFromFileName } from '../text/normalize-document.js';
import {
  ingestDocuments,
  type IngestDeps,
  type IngestInput,
  type IngestOutcome,
} from './ingest-documents.js';

const ingestible = new Set(['.txt', '.md', '.markdown', '.html', '.htm']);

/** Every .txt/.md/.html file under the given files and folders, sorted, skipping dot-folders and node_modules. */
export async function collectFiles(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const entry of await readdir(path, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        await visit(join(path, entry.name));
      }
    } else if (ingestible.has(extname(path).toLowerCase())) {
      found.push(resolve(path));
    }
  };
  for (const path of paths) await visit(path);
  return [...new Set(found)].sort();
}

/** Pure: a file's document — id from its path relative to `base`, title from its first heading or its name. */
export function fileToDocument(path: string, content: string, base: string): IngestInput {
  const rel = relative(base, path).split('\\').join('/');
  const heading = /^#\s+(.+)$/m.exec(content)?.[1] ?? /<title>([^<]+)<\/title>/i.exec(content)?.[1];
  return {
    id: rel.replace(/[^A-Za-z0-9._:-]+/g, '-').slice(0, 128),
    title: (heading ?? rel).trim().slice(0, 500),
    source: rel,
    text: content,
    format: formatFromFileName(path),
  };
}

/** Ingests files into a collection (created when missing), in batches. */
export async function ingestFiles(
  deps: IngestDeps & { collections: CollectionStore },
  collectionName: string,
  files: string[],
  base: string,
  batchSize = 20,
): Promise<{ collection: CollectionRecord; outcomes: (IngestOutcome & { file: string })[] }> {
  const collection =
    (await deps.collections.find(collectionName)) ?? (await deps.collections.create(collectionName));
  const outcomes: (IngestOutcome & { file: string })[] = [];
  for (let i = 0; i < files.length; i += batchSize) {
    const batch = files.slice(i, i + batchSize);
    const inputs = await Promise.all(
      batch.map(async (f) => fileToDocument(f, await readFile(f, 'utf8'), base)),
    );
    const nonEmpty = inputs
      .map((input, j) => ({ input, file: batch[j] as string }))
      .filter((x) => x.input.text.trim());
    const results = await ingestDocuments(
      deps,
      collection,
      nonEmpty.map((x) => x.input),
    );
    results.forEach((r, j) => outcomes.push({ ...r, file: relative(base, nonEmpty[j]!.file) }));
  }
  return { collection, outcomes };
}
