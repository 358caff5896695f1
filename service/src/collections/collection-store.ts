import type pg from 'pg';
import { conflict, notFound } from '../errors/app-error.js';
import type { NotifiedCache } from '../caches/notified-cache.js';
import type { ChromaGateway } from '../stores/chroma-gateway.js';
import { inTransaction } from '../stores/postgres-pool.js';

/** What the hot paths need of a collection: its id (names its Chroma collection) and version (cache keys). */
export interface CollectionRef {
  id: string;
  name: string;
  version: number;
}

export interface CollectionRecord {
  id: string;
  name: string;
  version: number;
  documents: number;
  chunks: number;
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  version: string;
  documents: string;
  chunks: string;
  created_at: Date;
}

const toRecord = (r: Row): CollectionRecord => ({
  id: r.id,
  name: r.name,
  version: Number(r.version),
  documents: Number(r.documents),
  chunks: Number(r.chunks),
  createdAt: r.created_at.toISOString(),
});

const selectWithCounts = `
  SELECT c.id, c.name, c.version, c.created_at,
         (SELECT count(*) FROM documents d WHERE d.collection_id = c.id) AS documents,
         (SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE d.collection_id = c.id) AS chunks
    FROM collections c`;

/**
 * Collections live in both stores: a Postgres row and a Chroma collection named after the row's id.
 * Create and delete keep them in step: the Postgres transaction commits only after Chroma succeeded.
 */
export class CollectionStore {
  constructor(
    private readonly db: pg.Pool,
    private readonly chroma: ChromaGateway,
    /** Told the id of every collection this process deleted (drops in-memory state kept for it). */
    private readonly onDeleted: (collectionId: string) => void = () => {},
    /** Resolved names kept in process while Postgres's change notifications arrive (ADR 0015). */
    private readonly resolved?: NotifiedCache<CollectionRef>,
  ) {}

  async create(name: string): Promise<CollectionRecord> {
    return inTransaction(this.db, async (client) => {
      const inserted = await client.query<Row>(
        `INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO NOTHING
         RETURNING id, name, version, created_at, 0 AS documents, 0 AS chunks`,
        [name],
      );
      const row = inserted.rows[0];
      if (!row) throw conflict(`Collection "${name}" already exists.`);
      await this.chroma.createCollection(row.id);
      return toRecord(row);
    });
  }

  async list(): Promise<CollectionRecord[]> {
    const { rows } = await this.db.query<Row>(`${selectWithCounts} ORDER BY c.name`);
    return rows.map(toRecord);
  }

  async find(name: string): Promise<CollectionRecord | undefined> {
    const { rows } = await this.db.query<Row>(`${selectWithCounts} WHERE c.name = $1`, [name]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * For request paths: the collection's id and version, from process memory while change notifications
   * arrive (an ingest or delete anywhere drops it on commit), else one indexed lookup. 404 when unknown.
   */
  resolve(name: string): Promise<CollectionRef> {
    return this.resolved ? this.resolved.get(name, () => this.lookUp(name)) : this.lookUp(name);
  }

  /** Drops what this process holds for `name`: called by its own writers on commit (see DocumentStore). */
  changed(name: string): void {
    this.resolved?.forget(name);
  }

  private async lookUp(name: string): Promise<CollectionRef> {
    const { rows } = await this.db.query<{ id: string; name: string; version: string }>(
      `SELECT id, name, version FROM collections WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    if (!row) throw notFound(`Collection "${name}" does not exist.`);
    return { id: row.id, name: row.name, version: Number(row.version) };
  }

  async get(name: string): Promise<CollectionRecord> {
    const found = await this.find(name);
    if (!found) throw notFound(`Collection "${name}" does not exist.`);
    return found;
  }

  /** Deletes the row (cascading to documents and chunks) and the Chroma collection; both or neither. */
  async delete(name: string): Promise<CollectionRecord> {
    const deleted = await inTransaction(this.db, async (client) => {
      const { rows } = await client.query<Row>(`${selectWithCounts} WHERE c.name = $1 FOR UPDATE OF c`, [
        name,
      ]);
      const row = rows[0];
      if (!row) throw notFound(`Collection "${name}" does not exist.`);
      await client.query(`DELETE FROM collections WHERE id = $1`, [row.id]);
      await this.chroma.deleteCollection(row.id);
      return toRecord(row);
    });
    this.changed(deleted.name);
    this.onDeleted(deleted.id);
    return deleted;
  }
}
