/**
 * Chunk records (text, offsets, document title and source) this process has read, per collection and tagged
 * with the collection version they were read at. A search hydrates its candidates from here when the
 * collection is still at that version, and reads only the missing ones from Postgres. A chunk id names
 * `document#ordinal`, so a replaced document reuses ids with new text: records are only ever served at the
 * exact version they were read at, and a collection's records are dropped as soon as a request resolves a
 * different version. Bounded by `maxRecords` over all collections, least recently used collection first.
 */
import type { ChunkRecord } from '../documents/document-store.js';

interface CollectionRecords {
  version: number;
  records: Map<string, ChunkRecord>;
  /** Vectors embedded locally from records' text (hybrid feedback), at the same version. */
  vectors: Map<string, number[]>;
}

export class ChunkRecordCache {
  private readonly collections = new Map<string, CollectionRecords>();
  private size = 0;
  private vectorCount = 0;
  /** A vector (384 numbers ≈ 3 KB) weighs about three records: at most a quarter as many are kept. */
  private readonly maxVectors: number;

  constructor(private readonly maxRecords = 20_000) {
    this.maxVectors = Math.floor(maxRecords / 4);
  }

  /** The records held for `ids` at exactly `version`, and the ids that are not held. */
  lookup(
    collection: { id: string; version: number },
    ids: readonly string[],
  ): { found: Map<string, ChunkRecord>; missing: string[] } {
    const entry = this.collections.get(collection.id);
    const found = new Map<string, ChunkRecord>();
    if (!entry || entry.version !== collection.version) {
      if (entry) this.drop(collection.id);
      return { found, missing: [...ids] };
    }
    this.collections.delete(collection.id);
    this.collections.set(collection.id, entry); // most recently used last
    const missing: string[] = [];
    for (const id of ids) {
      const record = entry.records.get(id);
      if (record) found.set(id, record);
      else missing.push(id);
    }
    return { found, missing };
  }

  /** Keeps records read at `version` (from one snapshot). Records of another version are replaced. */
  store(collectionId: string, version: number, records: readonly ChunkRecord[]): void {
    if (this.maxRecords <= 0 || records.length === 0) return;
    let entry = this.collections.get(collectionId);
    if (entry && entry.version !== version) {
      if (entry.version > version) return; // a slower read of an older version: keep the newer
      this.drop(collectionId);
      entry = undefined;
    }
    if (!entry) {
      entry = { version, records: new Map(), vectors: new Map() };
      this.collections.set(collectionId, entry);
    }
    for (const record of records) {
      if (!entry.records.has(record.id)) this.size++;
      entry.records.set(record.id, record);
    }
    this.evict();
  }

  /** Locally embedded vectors held for `ids` at exactly `version`. */
  vectorsAt(collection: { id: string; version: number }, ids: readonly string[]): Map<string, number[]> {
    const entry = this.collections.get(collection.id);
    const found = new Map<string, number[]>();
    if (!entry || entry.version !== collection.version) return found;
    for (const id of ids) {
      const vector = entry.vectors.get(id);
      if (vector) found.set(id, vector);
    }
    return found;
  }

  /** Keeps vectors embedded from records held at `version` (ignored once the collection moved on). */
  storeVectors(collection: { id: string; version: number }, vectors: ReadonlyMap<string, number[]>): void {
    const entry = this.collections.get(collection.id);
    if (!entry || entry.version !== collection.version) return;
    for (const [id, vector] of vectors) {
      if (!entry.records.has(id) || entry.vectors.has(id)) continue;
      if (this.vectorCount >= this.maxVectors) return;
      entry.vectors.set(id, vector);
      this.vectorCount++;
    }
  }

  /** Forgets a collection (deleted). */
  drop(collectionId: string): void {
    const entry = this.collections.get(collectionId);
    if (!entry) return;
    this.size -= entry.records.size;
    this.vectorCount -= entry.vectors.size;
    this.collections.delete(collectionId);
  }

  get recordCount(): number {
    return this.size;
  }

  private evict(): void {
    for (const [id, entry] of this.collections) {
      if (this.size <= this.maxRecords) return;
      if (this.collections.size === 1) {
        // one collection over the bound on its own: drop its oldest records
        for (const key of entry.records.keys()) {
          if (this.size <= this.maxRecords) return;
          entry.records.delete(key);
          this.size--;
          if (entry.vectors.delete(key)) this.vectorCount--;
        }
        return;
      }
      this.drop(id);
    }
  }
}
