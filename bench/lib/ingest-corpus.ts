import { batchesOf, type CorpusDocument } from './bench-corpus.js';
import { callJson } from './bench-stack.js';

export interface IngestResponse {
  documents: { id: string; chunks: number; duplicate: boolean }[];
}

/** One POST /documents with a batch; returns the chunks stored and the client-side seconds it took. */
export async function postBatch(baseUrl: string, key: string, collection: string, batch: CorpusDocument[]) {
  const started = process.hrtime.bigint();
  const res = await callJson<IngestResponse>(
    baseUrl,
    key,
    'POST',
    `/v1/collections/${collection}/documents`,
    {
      documents: batch,
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const duplicates = res.documents.filter((d) => d.duplicate).length;
  if (duplicates > 0) throw new Error(`${duplicates} corpus documents came back as duplicates`);
  return { chunks: res.documents.reduce((n, d) => n + d.chunks, 0), seconds };
}

/** Ingests the corpus through the real ingest path (POST /documents, batches in sequence). */
export async function ingestCorpus(
  baseUrl: string,
  key: string,
  collection: string,
  documents: CorpusDocument[],
  batchSize = 100,
) {
  let chunks = 0;
  let seconds = 0;
  for (const batch of batchesOf(documents, batchSize)) {
    const r = await postBatch(baseUrl, key, collection, batch);
    chunks += r.chunks;
    seconds += r.seconds;
  }
  return { documents: documents.length, chunks, seconds: Math.round(seconds * 100) / 100 };
}
