import { createHash } from 'node:crypto';
import type { CollectionRef, CollectionStore } from '../collections/collection-store.js';
import { conflict, validationFailed } from '../errors/app-error.js';
import { TURN_BUDGET_MS, turnsEvery, type Embedder } from '../embeddings/embedder.js';
import type { Metrics } from '../observability/metrics.js';
import { chunkText, type ChunkOptions, type TextChunk } from '../text/chunk-text.js';
import { outlineOf } from '../text/document-outline.js';
import type { DocumentFormat } from '../text/normalize-document.js';
import { structureDocument, titleFromContent } from '../text/structure-text.js';
import type { DocumentStore } from './document-store.js';
import { EmbeddingPipeline } from './embedding-pipeline.js';

export interface IngestInput {
  id?: string;
  title?: string;
  text: string;
  source?: string;
  metadata?: Record<string, unknown>;
  format?: DocumentFormat;
}

export interface IngestOutcome {
  id: string;
  chunks: number;
  duplicate: boolean;
}

export interface IngestDeps {
  documents: DocumentStore;
  embedder: Embedder;
  metrics: Metrics;
  chunking?: ChunkOptions;
  /** Chunks per slice: one embedding call and one Chroma add each (INGEST_SLICE_VECTORS). */
  sliceVectors?: number;
}

/** What the ingest pipeline needs, taken from the app's dependencies (routes, CLI and `npm start` share it). */
export function ingestDepsOf(deps: {
  collections: CollectionStore;
  documents: DocumentStore;
  embedder: Embedder;
  /** The embedder for ingest when it differs from the one for queries (the worker-thread pool). */
  ingestEmbedder?: Embedder;
  metrics: Metrics;
  config: { CHUNK_SIZE: number; CHUNK_OVERLAP: number; INGEST_SLICE_VECTORS: number };
}): IngestDeps & { collections: CollectionStore } {
  return {
    collections: deps.collections,
    documents: deps.documents,
    embedder: deps.ingestEmbedder ?? deps.embedder,
    metrics: deps.metrics,
    chunking: { targetSize: deps.config.CHUNK_SIZE, overlap: deps.config.CHUNK_OVERLAP },
    sliceVectors: deps.config.INGEST_SLICE_VECTORS,
  };
}

/** INGEST_SLICE_VECTORS's default: one Chroma add per slice of 256 chunks (measured: docs/benchmarks.md). */
const DEFAULT_SLICE_VECTORS = 256;

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Pure: the stored text, outline, hash, id and chunks of one input (no vectors yet). Without a title, a
 * Markdown or HTML document is titled by its content (HTML `<title>`, else its first heading), the same
 * whether it arrives through the API or the ingest CLI.
 */
export function prepareDocument(input: IngestInput, chunking?: ChunkOptions) {
  const structured = structureDocument(input.text, input.format ?? 'text');
  const sha256 = sha256Hex(structured.text);
  return preparedFrom(input, structured, sha256, chunkText(structured.text, chunking));
}

/**
 * `prepareDocument` with a chance of a turn of the event loop between its CPU-heavy steps (normalise, hash,
 * chunk): `turn` decides (`turnsEvery`; one turn-taker for all the documents of a request).
 */
export async function prepareDocumentInTurns(
  input: IngestInput,
  chunking?: ChunkOptions,
  turn = turnsEvery(TURN_BUDGET_MS),
) {
  await turn();
  const structured = structureDocument(input.text, input.format ?? 'text');
  await turn();
  const sha256 = sha256Hex(structured.text);
  await turn();
  const chunks = chunkText(structured.text, chunking);
  await turn();
  return preparedFrom(input, structured, sha256, chunks);
}

function preparedFrom(
  input: IngestInput,
  structured: ReturnType<typeof structureDocument>,
  sha256: string,
  chunks: TextChunk[],
) {
  const format = input.format ?? 'text';
  const text = structured.text;
  return {
    // without an id, the content decides it: re-sending the same document is idempotent
    id: input.id ?? `doc_${sha256.slice(0, 24)}`,
    title: input.title ?? titleFromContent(input.text, format, structured) ?? null,
    source: input.source ?? null,
    metadata: input.metadata ?? {},
    text,
    outline: outlineOf(structured),
    sha256,
    chunks: chunks.map((c, ordinal) => ({
      ordinal,
      text: c.text,
      start: c.start,
      end: c.end,
    })),
  };
}

/**
 * Ingest: normalise → hash → skip content the collection already has (nothing re-embedded) → chunk → embed and
 * store in Postgres and Chroma atomically. Embedding starts with the first documents prepared (a head start
 * while the rest are prepared) and runs ahead of the writes, the embedding of each slice of chunks overlapping
 * the writes of the slice before it. Outcomes come back in input order.
 */
export async function ingestDocuments(
  deps: IngestDeps,
  collection: CollectionRef,
  inputs: IngestInput[],
  signal?: AbortSignal,
): Promise<IngestOutcome[]> {
  const vectors = new EmbeddingPipeline(
    (slice) => deps.embedder.embed(slice, signal),
    deps.sliceVectors ?? DEFAULT_SLICE_VECTORS,
  );
  try {
    const prepared: PreparedInput[] = [];
    const turn = turnsEvery(TURN_BUDGET_MS);
    for (const input of inputs) {
      // turns of the event loop inside: a large document never stalls other requests
      const document = await prepareDocumentInTurns(input, deps.chunking, turn);
      prepared.push(document);
      vectors.add(document.chunks.map((c) => c.text));
    }
    refuseEmptyDocuments(inputs, prepared);
    const plan = await planStorage(deps, collection, inputs, prepared);
    // the writes read the vectors of the chunks they store; they wait for the collection's lock meanwhile
    vectors.end(chunkPositionsOf(prepared, new Set(plan.toStore)));
    let written: Awaited<ReturnType<IngestDeps['documents']['insert']>>;
    try {
      written = await deps.documents.insert(collection, plan.toStore, vectors);
    } catch (error) {
      deps.metrics.ingestedDocuments.inc({ outcome: 'failed' }, plan.toStore.length);
      throw error;
    }
    return outcomesOf(deps, prepared, plan, written);
  } finally {
    vectors.stop();
  }
}

type PreparedInput = ReturnType<typeof prepareDocument>;

interface StoragePlan {
  /** Stored content the collection already has, by hash. */
  known: Awaited<ReturnType<IngestDeps['documents']['findByHashes']>>;
  /** The index of each hash's first document in the request. */
  firstOfHash: Map<string, number>;
  /** The documents to write: each new hash's first document. */
  toStore: PreparedInput[];
}

/** Which documents are new (the duplicate policy decides the others), refusing a known text under a new id. */
async function planStorage(
  deps: IngestDeps,
  collection: CollectionRef,
  inputs: readonly IngestInput[],
  prepared: PreparedInput[],
): Promise<StoragePlan> {
  const known = await deps.documents.findByHashes(collection.id, [...new Set(prepared.map((p) => p.sha256))]);
  const firstOfHash = new Map<string, number>();
  const toStore: PreparedInput[] = [];
  prepared.forEach((p, i) => {
    if (known.has(p.sha256) || firstOfHash.has(p.sha256)) return;
    firstOfHash.set(p.sha256, i);
    toStore.push(p);
  });
  refuseDuplicatesUnderNewIds(inputs, prepared, known, firstOfHash);
  return { known, firstOfHash, toStore };
}

/** Each input's outcome, in input order, with the ingest counters. */
function outcomesOf(
  deps: IngestDeps,
  prepared: readonly PreparedInput[],
  { known, firstOfHash, toStore }: StoragePlan,
  written: { stored: string[]; duplicates: Map<string, { id: string; chunks: number }> },
): IngestOutcome[] {
  const storedSet = new Set(written.stored);
  deps.metrics.ingestedDocuments.inc({ outcome: 'stored' }, written.stored.length);
  deps.metrics.ingestedChunks.inc(
    toStore.filter((d) => storedSet.has(d.id)).reduce((n, d) => n + d.chunks.length, 0),
  );
  return prepared.map((p, i) => {
    const existing = known.get(p.sha256) ?? written.duplicates.get(p.sha256);
    const isFirst = firstOfHash.get(p.sha256) === i;
    if (existing || !isFirst || !storedSet.has(p.id)) {
      deps.metrics.ingestedDocuments.inc({ outcome: 'duplicate' });
      const original = existing ?? {
        id: prepared[firstOfHash.get(p.sha256) as number]!.id,
        chunks: p.chunks.length,
      };
      return { id: original.id, chunks: original.chunks, duplicate: true };
    }
    return { id: p.id, chunks: p.chunks.length, duplicate: false };
  });
}

/** 422 naming every document with no text left after normalisation. */
function refuseEmptyDocuments(inputs: readonly IngestInput[], prepared: readonly { text: string }[]): void {
  const empty = prepared.flatMap((p, i) => (p.text.length === 0 ? [i] : []));
  if (empty.length === 0) return;
  throw validationFailed(
    empty.map((i) => ({
      path: inputs.length > 1 ? `documents.${i}.text` : 'text',
      message: 'no text left after normalisation',
    })),
  );
}

/** Pure: the positions, among every prepared document's chunks in order, of the chunks of `chosen` documents. */
export function chunkPositionsOf<T extends { chunks: readonly unknown[] }>(
  prepared: readonly T[],
  chosen: ReadonlySet<T>,
): number[] {
  const positions: number[] = [];
  let position = 0;
  for (const document of prepared) {
    const count = document.chunks.length;
    if (chosen.has(document)) for (let i = 0; i < count; i++) positions.push(position + i);
    position += count;
  }
  return positions;
}

/**
 * The duplicate policy (docs/adr/0006-duplicate-content-under-a-new-id.md): content the collection already
 * holds, sent again under an explicit id other than the stored one, is refused with 409 naming the stored
 * id — never silently answered with the old id. Without an explicit id the content decides the id, so a
 * re-send is the idempotent `duplicate: true`.
 */
function refuseDuplicatesUnderNewIds(
  inputs: readonly IngestInput[],
  prepared: readonly { id: string; sha256: string }[],
  known: ReadonlyMap<string, { id: string }>,
  firstOfHash: ReadonlyMap<string, number>,
): void {
  prepared.forEach((p, i) => {
    if (inputs[i]?.id === undefined) return;
    const storedId = known.get(p.sha256)?.id ?? prepared[firstOfHash.get(p.sha256) as number]?.id;
    if (storedId !== undefined && storedId !== p.id) {
      throw conflict(
        `The content of document "${p.id}" is already stored as "${storedId}"; delete that one first to store it under a new id.`,
      );
    }
  });
}
