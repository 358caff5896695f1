// A folder's documents: every .txt/.md/.markdown/.html/.htm file under it, sorted, skipping dot-folders and
// node_modules (as `npm run ingest` does). Files with nothing but whitespace are skipped, not sent.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DocumentResult } from './send-documents.js';
import { documentFromFile, isIngestibleName, type SourceDocument } from './source-documents.js';

export interface CollectedDocuments {
  documents: SourceDocument[];
  /** Sources that are not sent, and why (counted as skipped or failed). */
  results: DocumentResult[];
}

async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = path.join(directory, entry.name);
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile() && isIngestibleName(entry.name)) found.push(child);
    }
  };
  await visit(folder);
  return found.sort((a, b) => a.localeCompare(b));
}

/** Throws when `folder` is not a folder: a wrong path is a configuration error, not an empty run. */
export async function readFolder(folder: string): Promise<CollectedDocuments> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`folder "${folder}" is not a folder in the workspace`);
  const documents: SourceDocument[] = [];
  const results: DocumentResult[] = [];
  for (const file of await filesUnder(folder)) {
    const relative = path.relative(folder, file).split(path.sep).join('/');
    const content = await readFile(file, 'utf8');
    if (content.trim() === '') results.push({ source: relative, outcome: 'skipped', reason: 'empty file' });
    else documents.push(documentFromFile(relative, content));
  }
  return { documents, results };
}
