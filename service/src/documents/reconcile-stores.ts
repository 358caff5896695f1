import type pg from 'pg';
import type { CollectionRef } from '../collections/collection-store.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import { chromaMetadata } from './document-store.js';

export interface CollectionDrift {
  collection: string;
  /** Chunk rows with no vector in Chroma. */
  missingVectors: string[];
  /** Vectors in Chroma with no chunk row. */
  orphanVectors: string[];
}

/** Pure: what differs between the chunk ids Postgres has and the vector ids Chroma has. */
export function diffIds(
  postgresIds: Iterable<string>,
  chromaIds: Iterable<string>,
): { missing: string[]; orphans: string[] } {
  const pg = new Set(postgresIds);
  const chroma = new Set(chromaIds);
  return {
    missing: [...pg].filter((id) => !chroma.has(id)).sort(),
    orphans: [...chroma].filter((id) => !pg.has(id)).sort(),
  };
}

/**
 * Compares one collection's chunks in Postgres with its vectors in Chroma; with `fix`, re-embeds and adds
 * the missing vectors and deletes the orphans. Returns the drift found (before fixing).
 */
export async function reconcileCollection(
  deps: { db: pg.Pool; chroma: ChromaGateway; embedder: Embedder },
  collection: CollectionRef,
  options: { fix: boolean; pageSize?: number },
): Promise<CollectionDrift> {
  const pageSize = options.pageSize ?? 1000;
  const handle = await deps.chroma.collection(collection.id);
  const chromaIds: string[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await deps.chroma.call(() => handle.get({ limit: pageSize, offset, include: [] }));
    chromaIds.push(...page.ids);
    if (page.ids.length < pageSize) break;
  }
  const { rows } = await deps.db.query<{ id: string }>(`SELECT id FROM chunks WHERE collection_id = $1`, [
    collection.id,
  ]);
  const { missing, orphans } = diffIds(
    rows.map((r) => r.id),
    chromaIds,
  );

  if (options.fix) {
    for (let i = 0; i < missing.length; i += 64) {
      const ids = missing.slice(i, i + 64);
      const chunks = await deps.db.query<{
        id: string;
        document_id: string;
        text: string;
        metadata: Record<string, unknown>;
      }>(
        `SELECT c.id, c.document_id, c.text, d.metadata FROM chunks c
           JOIN documents d ON d.collection_id = c.collection_id AND d.id = c.document_id
          WHERE c.collection_id = $1 AND c.id = ANY($2::text[]) ORDER BY c.id`,
        [collection.id, ids],
      );
      const embeddings = await deps.embedder.embed(chunks.rows.map((c) => c.text));
      await deps.chroma.call(() =>
        handle.add({
          ids: chunks.rows.map((c) => c.id),
          embeddings,
          metadatas: chunks.rows.map((c) => chromaMetadata(c.document_id, c.metadata)),
        }),
      );
    }
    for (let i = 0; i < orphans.length; i += 500) {
      const ids = orphans.slice(i, i + 500);
      await deps.chroma.call(() => handle.delete({ ids }));
    }
  }
  return { collection: collection.name, missingVectors: missing, orphanVectors: orphans };
}
