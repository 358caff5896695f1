import { readFile } from 'node:fs/promises';
import type { CollectionRef, CollectionStore } from '../collections/collection-store.js';
import { ingestDocuments, prepareDocument, type IngestDeps, type IngestInput } from './ingest-documents.js';
import { fileToDocument } from './ingest-files.js';
import { planFolderSync, type FolderDocument } from './plan-folder-sync.js';

export interface FolderSyncReport {
  added: string[];
  replaced: string[];
  removed: string[];
  unchanged: string[];
  /** Files (or stored documents) that could not be synced, with why; the others were synced regardless. */
  failed: { id: string; error: string }[];
}

/** The metadata key that marks a document as synced from a folder (its value: the folder, e.g. `docs/`). */
export const SYNCED_FROM = 'syncedFrom';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Every document of the collection that came from `origin` (by the marker, or by a source under it). */
async function storedFromFolder(
  deps: IngestDeps,
  collection: CollectionRef,
  origin: string,
): Promise<FolderDocument[]> {
  const found: FolderDocument[] = [];
  for (const d of await deps.documents.digests(collection.id)) {
    if (d.metadata[SYNCED_FROM] === origin || d.source?.startsWith(origin)) found.push(d);
  }
  return found;
}

/** Reads and prepares each file; a file that cannot be read or has no text is reported, not fatal. */
async function readFolder(files: readonly string[], base: string, origin: string, report: FolderSyncReport) {
  const inputs = new Map<string, IngestInput & { sha256: string }>();
  for (const file of files) {
    try {
      const input = fileToDocument(file, await readFile(file, 'utf8'), base);
      const withMarker = { ...input, metadata: { [SYNCED_FROM]: origin } };
      const prepared = prepareDocument(withMarker);
      if (prepared.text === '') throw new Error('no text left after normalisation');
      inputs.set(prepared.id, { ...withMarker, id: prepared.id, sha256: prepared.sha256 });
    } catch (error) {
      report.failed.push({ id: file, error: messageOf(error) });
    }
  }
  return inputs;
}

/**
 * Makes a collection hold exactly a folder's files, file by file: changed files are replaced, new ones
 * added, deleted ones removed, documents of other origins left alone (plan-folder-sync.ts). One file that
 * fails is reported in `failed` and the rest carry on. The collection is created when missing.
 */
export async function syncFolder(
  deps: IngestDeps & { collections: CollectionStore },
  collectionName: string,
  files: readonly string[],
  base: string,
  origin: string,
): Promise<FolderSyncReport> {
  const collection =
    (await deps.collections.find(collectionName)) ?? (await deps.collections.create(collectionName));
  const report: FolderSyncReport = { added: [], replaced: [], removed: [], unchanged: [], failed: [] };
  const inputs = await readFolder(files, base, origin, report);
  const plan = planFolderSync(
    [...inputs.values()] as FolderDocument[],
    await storedFromFolder(deps, collection, origin),
  );
  report.unchanged = plan.unchanged;
  const attempt = async (id: string, done: string[], step: () => Promise<unknown>) => {
    try {
      await step();
      done.push(id);
    } catch (error) {
      report.failed.push({ id, error: messageOf(error) });
    }
  };
  for (const id of plan.remove)
    await attempt(id, report.removed, () => deps.documents.delete(collection, id));
  for (const id of plan.replace) {
    await attempt(id, report.replaced, async () => {
      await deps.documents.delete(collection, id);
      await ingestDocuments(deps, collection, [inputs.get(id)!]);
    });
  }
  for (const id of plan.add) {
    await attempt(id, report.added, () => ingestDocuments(deps, collection, [inputs.get(id)!]));
  }
  return report;
}
