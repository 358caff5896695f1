// Sends documents in batches and turns every answer into one result per document. A batch the service
// refuses for its content (400, 409, 413, 422) is split in halves until the documents at fault stand alone,
// so one bad document never fails the others. A refused key or a missing collection stops the run; so
// does a service that stays unavailable through every retry (what was not sent counts as failed).
import { planBatches, type BatchLimits } from './plan-batches.js';
import { ServiceUnreachable, type ServiceClient } from './service-client.js';
import type { SourceDocument } from './source-documents.js';

export type Outcome = 'added' | 'duplicate' | 'failed' | 'skipped';

export interface DocumentResult {
  /** The file's path in the folder, or the URL. */
  source: string;
  id?: string;
  outcome: Outcome;
  chunks?: number;
  reason?: string;
}

/** A failure that stops the whole run (bad key, missing scope or collection). */
export class IngestStopped extends Error {}

/** Refusals that concern what a batch holds: another split can isolate the document at fault. */
const CONTENT_REFUSALS = new Set([400, 409, 413, 422]);
/** Refusals that concern the caller or the target: no other batch would fare better. */
const RUN_REFUSALS = new Set([401, 403, 404]);

export interface SendProgress {
  (batch: { number: number; of: number; results: DocumentResult[] }): void;
}

export async function sendDocuments(
  client: ServiceClient,
  collection: string,
  documents: readonly SourceDocument[],
  limits: BatchLimits,
  onBatch?: SendProgress,
): Promise<DocumentResult[]> {
  const batches = planBatches(documents, limits);
  const results: DocumentResult[] = [];
  for (const [index, batch] of batches.entries()) {
    let batchResults: DocumentResult[];
    try {
      batchResults = await sendBatch(client, collection, batch);
    } catch (error) {
      if (!(error instanceof ServiceUnreachable)) throw error;
      const unsent = batches.slice(index).flat();
      results.push(...unsent.map((document) => failed(document, `not sent: ${error.message}`)));
      onBatch?.({ number: index + 1, of: batches.length, results: results.slice(-unsent.length) });
      break;
    }
    results.push(...batchResults);
    onBatch?.({ number: index + 1, of: batches.length, results: batchResults });
  }
  return results;
}

async function sendBatch(
  client: ServiceClient,
  collection: string,
  batch: SourceDocument[],
): Promise<DocumentResult[]> {
  const answer = await client.ingest(collection, batch);
  if (answer.ok) {
    return batch.map((document, index) => {
      const outcome = answer.body.documents[index];
      if (!outcome) return failed(document, 'the service returned no outcome for this document');
      return {
        source: document.source,
        id: outcome.id,
        outcome: outcome.duplicate ? 'duplicate' : 'added',
        chunks: outcome.chunks,
      };
    });
  }
  if (RUN_REFUSALS.has(answer.status)) {
    throw new IngestStopped(
      answer.status === 404
        ? `collection "${collection}" is not there: ${answer.message}`
        : `the service refused the key: ${answer.message}`,
    );
  }
  if (CONTENT_REFUSALS.has(answer.status) && batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    return [
      ...(await sendBatch(client, collection, batch.slice(0, half))),
      ...(await sendBatch(client, collection, batch.slice(half))),
    ];
  }
  return batch.map((document) => failed(document, answer.message));
}

function failed(document: SourceDocument, reason: string): DocumentResult {
  return { source: document.source, id: document.id, outcome: 'failed', reason };
}
