// Ingest throughput through POST /documents vs raw Chroma `add` of the same vectors, in the same run and on
// the same Chroma server (a separate collection). Batches alternate between the two so both collections grow
// in step and both see the same machine load.
// Usage: tsx bench/ingest.ts [--docs 1400] [--variants 4] [--out FILE]
import { chromaClientFor } from '@slipway/harness';
import { chromaMetadata, chunkId } from '@slipway/service/documents/document-store';
import { prepareDocument } from '@slipway/service/documents/ingest-documents';
import { createHashingEmbedder } from '@slipway/service/embeddings/hashing-embedder';
import { parseBenchArgs } from './lib/bench-args.js';
import { batchesOf, loadBenchCorpus, type CorpusDocument } from './lib/bench-corpus.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import { callJson, startBenchStack, type BenchStack } from './lib/bench-stack.js';
import { postBatch } from './lib/ingest-corpus.js';
import { currentLoadAverage, describeMachine, machineLine } from './lib/machine.js';

const COLLECTION = 'bench_ingest';
const BATCH_DOCUMENTS = 100;
// the service's defaults (CHUNK_SIZE, CHUNK_OVERLAP, EMBEDDINGS_DIMENSIONS): the raw side adds the same vectors
const CHUNKING = { targetSize: 800, overlap: 120 };
const DIMENSIONS = 384;
/** Issue 13's acceptance: sequential ingest through the service at ≥ 0.7 × the raw add's chunks/s. */
const INGEST_GOAL = 0.7;

/** What the service hands Chroma for a batch: chunk ids, hashing vectors and metadata (computed untimed). */
function rawBatch(documents: CorpusDocument[]) {
  const embedder = createHashingEmbedder({ dimension: DIMENSIONS });
  const ids: string[] = [];
  const embeddings: number[][] = [];
  const metadatas: Record<string, string | number | boolean>[] = [];
  for (const input of documents) {
    const prepared = prepareDocument(input, CHUNKING);
    for (const chunk of prepared.chunks) {
      ids.push(chunkId(prepared.id, chunk.ordinal));
      embeddings.push(embedder.embed(chunk.text));
      metadatas.push(chromaMetadata(prepared.id, prepared.metadata));
    }
  }
  return { ids, embeddings, metadatas };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main() {
  const args = parseBenchArgs(process.argv.slice(2));
  const machine = describeMachine();
  const wallStart = Date.now();
  console.log(`machine: ${machineLine(machine)}`);

  const corpus = await loadBenchCorpus(args.docs, args.variants);
  const batches = batchesOf(corpus.documents, BATCH_DOCUMENTS);
  // untimed for the raw side, but measured: the share of the service's time that is chunking + hashing embeddings
  const preparing = process.hrtime.bigint();
  const raw = batches.map(rawBatch);
  const prepareSeconds = Number(process.hrtime.bigint() - preparing) / 1e9;
  let stack: BenchStack | undefined;
  try {
    stack = await startBenchStack();
    const { service, adminKey } = stack;
    await callJson(service.url, adminKey, 'POST', '/v1/collections', { name: COLLECTION });
    const chroma = chromaClientFor(stack.chroma.url);
    const rawCollection = await chroma.createCollection({
      name: `${stack.chroma.collectionPrefix}raw_add`,
      embeddingFunction: null,
      configuration: { hnsw: { space: 'cosine' } },
    });

    let serviceSeconds = 0;
    let serviceChunks = 0;
    let rawSeconds = 0;
    let rawChunks = 0;
    console.log(`${corpus.documents.length} documents in ${batches.length} batches of ${BATCH_DOCUMENTS} …`);
    for (let i = 0; i < batches.length; i++) {
      const started = process.hrtime.bigint();
      await rawCollection.add(raw[i]!);
      rawSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      rawChunks += raw[i]!.ids.length;

      const posted = await postBatch(service.url, adminKey, COLLECTION, batches[i]!);
      serviceSeconds += posted.seconds;
      serviceChunks += posted.chunks;
    }
    const rawCount = await rawCollection.count();

    // the same batches again into a third collection with two requests in flight: one request's chunking and
    // embedding can overlap the other's store writes (writes to one collection are serialised by a row lock)
    await callJson(service.url, adminKey, 'POST', '/v1/collections', { name: `${COLLECTION}_c2` });
    let next = 0;
    let pipelinedChunks = 0;
    const pipelinedStart = process.hrtime.bigint();
    await Promise.all(
      [0, 1].map(async () => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const posted = await postBatch(service.url, adminKey, `${COLLECTION}_c2`, batch);
          pipelinedChunks += posted.chunks; // after the await: `x += await …` would read x too early
        }
      }),
    );
    const pipelinedSeconds = Number(process.hrtime.bigint() - pipelinedStart) / 1e9;
    const pipelinedRate = round(pipelinedChunks / pipelinedSeconds, 1);

    const serviceRate = round(serviceChunks / serviceSeconds, 1);
    const rawRate = round(rawChunks / rawSeconds, 1);
    const ratio = round(serviceRate / rawRate, 3);
    const result = {
      benchmark: 'ingest',
      machine,
      loadAverageAtEnd: currentLoadAverage(),
      setup: {
        service: 'service/src/server.ts in a child Node process (tsx); hashing embeddings; Redis',
        raw: 'chromadb JS client add({ids, embeddings, metadatas}) from the bench process, same server',
        batchDocuments: BATCH_DOCUMENTS,
        order: 'batches alternate: raw add of batch i, then POST /documents of batch i',
        stores: { postgres: stack.postgres.mode, chroma: stack.chroma.mode, redis: stack.redis.mode },
      },
      corpus: {
        source: `Cranfield: first ${args.docs} abstracts × ${args.variants} variants (sentences rotated)`,
        documents: corpus.documents.length,
        batches: batches.length,
      },
      service: { chunks: serviceChunks, seconds: round(serviceSeconds), chunksPerSecond: serviceRate },
      serviceTwoInFlight: {
        chunks: pipelinedChunks,
        seconds: round(pipelinedSeconds),
        chunksPerSecond: pipelinedRate,
        ratioToRaw: round(pipelinedRate / rawRate, 3),
        note: 'measured after the alternating pass, not interleaved with the raw add',
      },
      rawChromaAdd: {
        chunks: rawChunks,
        seconds: round(rawSeconds),
        chunksPerSecond: rawRate,
        count: rawCount,
      },
      /** Chunking + hashing embeddings of the whole corpus in the bench process (not part of either rate). */
      chunkAndEmbedSeconds: round(prepareSeconds),
      sameChunks: serviceChunks === rawChunks,
      goals: {
        ingestVsRawAdd: {
          goal: `service ingest chunks/s ≥ ${INGEST_GOAL} × raw Chroma add`,
          ratio,
          met: ratio >= INGEST_GOAL,
        },
      },
      wallSeconds: round((Date.now() - wallStart) / 1000, 1),
    };
    const path = writeResult('ingest', result, args.out);

    console.log(`\n${machineLine(machine)}; load average at end ${result.loadAverageAtEnd.join(' / ')}\n`);
    console.log(
      renderTable(
        ['path', 'documents', 'chunks', 'seconds', 'chunks/s'],
        [
          [
            'POST /documents (service)',
            corpus.documents.length,
            serviceChunks,
            round(serviceSeconds),
            serviceRate,
          ],
          ['raw Chroma add', corpus.documents.length, rawChunks, round(rawSeconds), rawRate],
          [
            'POST /documents, 2 in flight',
            corpus.documents.length,
            pipelinedChunks,
            round(pipelinedSeconds),
            pipelinedRate,
          ],
        ],
      ),
    );
    console.log(`\nchunking + hashing embeddings of the corpus alone: ${result.chunkAndEmbedSeconds} s`);
    console.log(
      `service / raw: ${ratio} (goal ≥ ${INGEST_GOAL}: ${ratio >= INGEST_GOAL ? 'met' : 'not met'})`,
    );
    if (!result.sameChunks) console.log('WARNING: the two paths stored different chunk counts');
    console.log(`wall time ${result.wallSeconds} s; JSON: ${path}`);
  } finally {
    await stack?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
