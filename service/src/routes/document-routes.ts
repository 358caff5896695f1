import { Router } from 'express';
import type { CollectionStore } from '../collections/collection-store.js';
import type { DocumentStore } from '../documents/document-store.js';
import { ingestDocuments, type IngestDeps } from '../documents/ingest-documents.js';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { requireScope } from '../http/authenticate.js';
import { validationFailed } from '../errors/app-error.js';
import { parseBody, parseParams } from '../http/validate-request.js';
import { CollectionParams, collectionName } from './collection-routes.js';

/**
 * The one check of a document id. `.` and `..` are refused: URL clients resolve them as path segments, so
 * `DELETE …/documents/..` would reach another route (the collection itself).
 */
export const documentId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 of A-Z, a-z, 0-9, ., _, : and -')
  .refine(
    (id) => id !== '.' && id !== '..',
    'must not be "." or ".." (URL clients rewrite those path segments)',
  );

/** A metadata key; names that would reach an object's prototype are refused. */
export const metadataKey = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 of A-Z, a-z, 0-9, _, . and -')
  .refine((key) => !['__proto__', 'constructor', 'prototype'].includes(key), 'is a reserved name');

const metadataValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

const DocumentInput = apiRegistry.register(
  'DocumentInput',
  z.strictObject({
    id: documentId.optional(),
    title: z.string().max(500).optional(),
    text: z.string().min(1).max(5_000_000),
    source: z.string().max(2000).optional(),
    metadata: z.record(metadataKey, metadataValue).optional(),
    format: z.enum(['text', 'markdown', 'html']).optional(),
  }),
);

const IngestResult = apiRegistry.register(
  'IngestResult',
  z.object({
    documents: z.array(z.object({ id: z.string(), chunks: z.number().int(), duplicate: z.boolean() })),
  }),
);

const DocumentParams = z.object({ name: collectionName, id: documentId });

const StoredDocument = apiRegistry.register(
  'Document',
  z.object({
    id: z.string(),
    title: z.string().nullable(),
    source: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    text: z.string(),
    sha256: z.string(),
    chunks: z.number().int(),
    createdAt: z.string(),
  }),
);

const DocumentSummary = apiRegistry.register(
  'DocumentSummary',
  z.object({
    id: z.string(),
    title: z.string().nullable(),
    source: z.string().nullable(),
    chunks: z.number().int(),
    createdAt: z.string(),
  }),
);

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: documentId
    .optional()
    .openapi({ description: 'Continue after this id (the previous page’s `next`).' }),
});

const security = [{ [bearerAuth.name]: [] }];

/** One document, or a batch (its size is capped by MAX_DOCUMENTS_PER_REQUEST when the route runs). */
const IngestBody = z.union([DocumentInput, z.strictObject({ documents: z.array(DocumentInput).min(1) })]);

apiRegistry.registerPath({
  method: 'post',
  path: '/v1/collections/{name}/documents',
  summary:
    'Ingest one document or a batch (scope: ingest). Same content twice → duplicate: true, nothing re-embedded.',
  security,
  request: { params: CollectionParams, body: { content: { 'application/json': { schema: IngestBody } } } },
  responses: {
    201: {
      description: 'Stored (or recognised as duplicates)',
      content: { 'application/json': { schema: IngestResult } },
    },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/v1/collections/{name}/documents',
  summary: 'List documents without their text, ordered by id, a page at a time (scope: read).',
  security,
  request: { params: CollectionParams, query: ListQuery },
  responses: {
    200: {
      description: 'A page of documents; `next` is set when more follow',
      content: {
        'application/json': {
          schema: z.object({ documents: z.array(DocumentSummary), next: z.string().optional() }),
        },
      },
    },
    ...problemResponses(401, 403, 404, 422, 429),
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/v1/collections/{name}/documents/{id}',
  summary: 'A stored document with its normalised text (scope: read). Spans and citations index into `text`.',
  security,
  request: { params: DocumentParams },
  responses: {
    200: { description: 'The document', content: { 'application/json': { schema: StoredDocument } } },
    ...problemResponses(401, 403, 404, 422, 429),
  },
});
apiRegistry.registerPath({
  method: 'delete',
  path: '/v1/collections/{name}/documents/{id}',
  summary: 'Delete a document, its chunks and vectors (scope: ingest).',
  security,
  request: { params: DocumentParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 422, 429, 503) },
});

export function documentRoutes(deps: {
  collections: CollectionStore;
  documents: DocumentStore;
  ingest: IngestDeps;
  maxDocumentsPerRequest: number;
}): Router {
  const router = Router();
  router.post('/v1/collections/:name/documents', requireScope('ingest'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const body = parseBody(IngestBody, req);
    const inputs = 'documents' in body ? body.documents : [body];
    if (inputs.length > deps.maxDocumentsPerRequest) {
      throw validationFailed([
        { path: 'documents', message: `at most ${deps.maxDocumentsPerRequest} documents per request` },
      ]);
    }
    const collection = await deps.collections.resolve(name);
    const documents = await ingestDocuments(deps.ingest, collection, inputs, res.locals.signal);
    res.status(201).json({ documents });
  });
  router.get('/v1/collections/:name/documents', requireScope('read'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const { limit, after } = parseParams(ListQuery, req.query);
    const collection = await deps.collections.resolve(name);
    const documents = await deps.documents.list(collection.id, limit, after);
    const next = documents.length === limit ? documents[documents.length - 1]?.id : undefined;
    res.json(next === undefined ? { documents } : { documents, next });
  });
  router.get('/v1/collections/:name/documents/:id', requireScope('read'), async (req, res) => {
    const { name, id } = parseParams(DocumentParams, req.params);
    const collection = await deps.collections.resolve(name);
    res.json(await deps.documents.get(collection.id, id));
  });
  router.delete('/v1/collections/:name/documents/:id', requireScope('ingest'), async (req, res) => {
    const { name, id } = parseParams(DocumentParams, req.params);
    const collection = await deps.collections.resolve(name);
    await deps.documents.delete(collection, id);
    res.status(204).end();
  });
  return router;
}
