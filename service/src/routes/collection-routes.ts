import { Router } from 'express';
import type { CollectionStore } from '../collections/collection-store.js';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { requireScope } from '../http/authenticate.js';
import { parseBody, parseParams } from '../http/validate-request.js';

export const collectionName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{1,62}$/,
    'must match ^[a-z0-9][a-z0-9_-]{1,62}$ (lower-case letters, digits, _ and -)',
  );

export const CollectionParams = z.object({ name: collectionName });

const CreateCollectionBody = apiRegistry.register(
  'CreateCollection',
  z.strictObject({ name: collectionName }),
);

const Collection = apiRegistry.register(
  'Collection',
  z.object({
    name: z.string(),
    version: z.number().int(),
    documents: z.number().int(),
    chunks: z.number().int(),
    createdAt: z.string(),
  }),
);

const security = [{ [bearerAuth.name]: [] }];

apiRegistry.registerPath({
  method: 'post',
  path: '/v1/collections',
  summary: 'Create a collection (scope: admin).',
  security,
  request: { body: { content: { 'application/json': { schema: CreateCollectionBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: Collection } } },
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/v1/collections',
  summary: 'List collections (scope: read).',
  security,
  responses: {
    200: {
      description: 'Collections',
      content: { 'application/json': { schema: z.object({ collections: z.array(Collection) }) } },
    },
    ...problemResponses(401, 403, 429),
  },
});
apiRegistry.registerPath({
  method: 'get',
  path: '/v1/collections/{name}',
  summary: 'One collection with its document and chunk counts (scope: read).',
  security,
  request: { params: CollectionParams },
  responses: {
    200: { description: 'The collection', content: { 'application/json': { schema: Collection } } },
    ...problemResponses(401, 403, 404, 422, 429, 503),
  },
});
apiRegistry.registerPath({
  method: 'delete',
  path: '/v1/collections/{name}',
  summary: 'Delete a collection with its documents, vectors and cached results (scope: admin).',
  security,
  request: { params: CollectionParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 422, 429, 503) },
});

const present = (c: {
  name: string;
  version: number;
  documents: number;
  chunks: number;
  createdAt: string;
}) => ({
  name: c.name,
  version: c.version,
  documents: c.documents,
  chunks: c.chunks,
  createdAt: c.createdAt,
});

export function collectionRoutes(
  collections: CollectionStore,
  onDeleted?: (collectionId: string) => Promise<void>,
): Router {
  const router = Router();
  router.post('/v1/collections', requireScope('admin'), async (req, res) => {
    const body = parseBody(CreateCollectionBody, req);
    const created = await collections.create(body.name);
    res.status(201).location(`/v1/collections/${created.name}`).json(present(created));
  });
  router.get('/v1/collections', requireScope('read'), async (_req, res) => {
    res.json({ collections: (await collections.list()).map(present) });
  });
  router.get('/v1/collections/:name', requireScope('read'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    res.json(present(await collections.get(name)));
  });
  router.delete('/v1/collections/:name', requireScope('admin'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const deleted = await collections.delete(name);
    await onDeleted?.(deleted.id);
    res.status(204).end();
  });
  return router;
}
