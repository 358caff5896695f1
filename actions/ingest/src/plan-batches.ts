// Pure: documents in request-sized batches. A batch holds at most `maxDocuments` documents (the service's
// MAX_DOCUMENTS_PER_REQUEST) and, unless one document alone is larger, at most `maxBytes` of JSON (under
// the service's MAX_BODY_BYTES, so a batch is not refused with 413 as a whole).

export interface BatchLimits {
  maxDocuments: number;
  maxBytes: number;
}

/** Bytes `item` adds to a `{"documents":[…]}` body (its JSON and a comma). */
export function jsonBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
}

/** Consecutive batches in input order; a document larger than `maxBytes` travels alone. */
export function planBatches<T>(items: readonly T[], limits: BatchLimits): T[][] {
  const envelope = jsonBytes({ documents: [] });
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = envelope;
  for (const item of items) {
    const size = jsonBytes(item);
    const full = current.length >= limits.maxDocuments || bytes + size > limits.maxBytes;
    if (current.length > 0 && full) {
      batches.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
