// Sends documents in batches and turns every answer into one result per document. A batch the service
// refuses for its content (400, 409, 413, 422) is split in halves until the documents at fault stand alone,
// so one bad document never fails the others. A refused key or a missing collection stops the run; so
// does a service that stays unavailable through every retry (what was not sent counts as failed).
// With `replaceChanged`, a document refused with 409 because its id holds other content (a changed file) is
// deleted and sent again: between the two requests that document is briefly absent from the collection.
import { planBatches, type BatchLimits } from './plan-batches.js';
import {
  ServiceUnreachable,
  type FailedAnswer,
  type IngestOutcome,
  type ServiceClient,
} from './service-client.js';
import type { SourceDocument } from './source-documents.js';

export type Outcome = 'added' | 'updated' | 'duplicate' | 'failed' | 'skipped';

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

export interface SendOptions extends BatchLimits {
  /** Delete and re-send a document whose id holds other content (a changed file), instead of failing it. */
  replaceChanged: boolean;
}

/**
 * Sends `documents` and pushes one result per document onto `results` as answers arrive, so a caller that
 * catches IngestStopped still has every result so far. What a stop or an unreachable service leaves unsent
 * is pushed as failed ("not sent: …"); an unreachable service ends the sending, a stop is rethrown.
 */
export async function sendDocuments(
  client: ServiceClient,
  collection: string,
  documents: readonly SourceDocument[],
  options: SendOptions,
  results: DocumentResult[],
  onBatch?: SendProgress,
): Promise<void> {
  const batches = planBatches(documents, options);
  for (const [index, batch] of batches.entries()) {
    const batchResults: DocumentResult[] = [];
    const report = () => {
      results.push(...batchResults);
      onBatch?.({ number: index + 1, of: batches.length, results: batchResults });
    };
    try {
      await sendRefusable(client, collection, batch, options, batchResults);
    } catch (error) {
      if (!(error instanceof ServiceUnreachable || error instanceof IngestStopped)) throw error;
      // bisection answers in input order: what has no result yet is the rest of this batch, and all after
      const unsent = [...batch.slice(batchResults.length), ...batches.slice(index + 1).flat()];
      batchResults.push(...unsent.map((document) => failed(document, `not sent: ${error.message}`)));
      report();
      if (error instanceof IngestStopped) throw error;
      return;
    }
    report();
  }
}

async function sendRefusable(
  client: ServiceClient,
  collection: string,
  batch: SourceDocument[],
  options: SendOptions,
  results: DocumentResult[],
): Promise<void> {
  const answer = await client.ingest(collection, batch);
  if (answer.ok) {
    results.push(...batch.map((document, index) => resultOf(document, answer.body.documents[index])));
    return;
  }
  if (RUN_REFUSALS.has(answer.status)) throw stopped(collection, answer);
  if (CONTENT_REFUSALS.has(answer.status) && batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    await sendRefusable(client, collection, batch.slice(0, half), options, results);
    await sendRefusable(client, collection, batch.slice(half), options, results);
    return;
  }
  const [single] = batch;
  if (single && answer.status === 409 && options.replaceChanged) {
    const replaced = await replaceChanged(client, collection, single);
    if (replaced) {
      results.push(replaced);
      return;
    }
  }
  results.push(...batch.map((document) => failed(document, answer.message)));
}

/**
 * A 409 for one document whose id is stored: its content changed, so the stored one is deleted and the
 * document sent again. Undefined when no document has that id (the content is stored under another id:
 * that 409 stands).
 */
async function replaceChanged(
  client: ServiceClient,
  collection: string,
  document: SourceDocument,
): Promise<DocumentResult | undefined> {
  const stored = await client.document(collection, document.id);
  if (!stored.ok && stored.status === 404) return undefined;
  if (!stored.ok) {
    if (RUN_REFUSALS.has(stored.status)) throw stopped(collection, stored);
    return failed(document, `changed, and reading the stored version failed: ${stored.message}`);
  }
  const deleted = await client.deleteDocument(collection, document.id);
  if (!deleted.ok && deleted.status !== 404) {
    if (RUN_REFUSALS.has(deleted.status)) throw stopped(collection, deleted);
    return failed(document, `changed, and deleting the stored version failed: ${deleted.message}`);
  }
  const again = await client.ingest(collection, [document]);
  if (!again.ok) {
    if (RUN_REFUSALS.has(again.status)) throw stopped(collection, again);
    return failed(
      document,
      `changed; the stored version was deleted, storing this one failed: ${again.message}`,
    );
  }
  const result = resultOf(document, again.body.documents[0]);
  return result.outcome === 'added' ? { ...result, outcome: 'updated' } : result;
}

function resultOf(document: SourceDocument, outcome: IngestOutcome | undefined): DocumentResult {
  if (!outcome) return failed(document, 'the service returned no outcome for this document');
  return {
    source: document.source,
    id: outcome.id,
    outcome: outcome.duplicate ? 'duplicate' : 'added',
    chunks: outcome.chunks,
  };
}

function stopped(collection: string, answer: FailedAnswer): IngestStopped {
  return new IngestStopped(
    answer.status === 404
      ? `collection "${collection}" is not there: ${answer.message}`
      : `the service refused the key: ${answer.message}`,
  );
}

function failed(document: SourceDocument, reason: string): DocumentResult {
  return { source: document.source, id: document.id, outcome: 'failed', reason };
}
