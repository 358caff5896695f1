import { Router } from 'express';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { validationFailed } from '../errors/app-error.js';
import { requireScope } from '../http/authenticate.js';
import { parseBody, parseParams } from '../http/validate-request.js';
import type { CollectionSearch } from '../retrieval/search-collection.js';
import { CollectionParams } from './collection-routes.js';
import { metadataKey } from './document-routes.js';

export const searchMode = z
  .enum(['hybrid', 'vector', 'keyword'])
  .openapi({ description: 'hybrid: BM25 + feedback-expanded vector list fused with weighted RRF.' });

const metadataFilter = z
  .record(metadataKey, z.union([z.string().max(1000), z.number(), z.boolean()]))
  .refine((filter) => Object.keys(filter).length <= 20, 'at most 20 keys')
  .openapi({ description: 'Equality on top-level scalar metadata keys; every key must match.' });

/** Control characters other than tab, line feed and carriage return (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** The schema's ceiling for a query or question; MAX_QUERY_CHARS sets the limit below it when a route runs. */
const QUERY_CHARS_CEILING = 20_000;

/**
 * A search query or a question: at least one character after trimming, no control characters but tab, line
 * feed and carriage return (NUL and lone surrogates are refused for every field by parseBody). Both end up in
 * places that read text back (the query audit, a model's prompt): nothing in them should be invisible. The
 * length limit is MAX_QUERY_CHARS (`checkQueryLength`).
 */
export const queryText = () =>
  z
    .string()
    .trim()
    .min(1)
    .max(QUERY_CHARS_CEILING)
    .refine((text) => !controlCharacter.test(text), {
      message: 'must not contain control characters (other than tab, line feed, carriage return)',
    })
    .openapi({
      description:
        'At most MAX_QUERY_CHARS characters after trimming (default 2000); no control characters but tab, ' +
        'line feed and carriage return.',
    });

/** 422 naming `field` when a query or question (trimmed) is longer than MAX_QUERY_CHARS. */
export function checkQueryLength(text: string, maxChars: number, field: string): void {
  if (text.length > maxChars) {
    throw validationFailed([{ path: field, message: `must be at most ${maxChars} characters` }]);
  }
}

export const SearchBody = apiRegistry.register(
  'SearchRequest',
  z.strictObject({
    query: queryText(),
    topK: z.number().int().min(1).max(50).default(10),
    mode: searchMode.default('hybrid'),
    mmr: z
      .strictObject({ lambda: z.number().min(0).max(1).default(0.7) })
      .optional()
      .openapi({ description: 'Maximal marginal relevance: 1 = relevance only, 0 = diversity only.' }),
    filter: metadataFilter.optional(),
  }),
);

const SearchResult = apiRegistry.register(
  'SearchResult',
  z.object({
    documentId: z.string(),
    chunkId: z.string(),
    title: z.string().nullable(),
    source: z.string().nullable(),
    text: z.string(),
    score: z.number(),
    span: z.object({ start: z.number().int(), end: z.number().int() }).openapi({
      description: 'Offsets into the stored document text: text === document.text.slice(start, end).',
    }),
  }),
);

const SearchResponse = apiRegistry.register(
  'SearchResponse',
  z.object({
    results: z.array(SearchResult),
    degraded: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Unavailable parts (["vector"] when Chroma is down: keyword results only).' }),
  }),
);

apiRegistry.registerPath({
  method: 'post',
  path: '/v1/collections/{name}/search',
  summary: 'Search a collection: keyword, vector or hybrid, optional MMR and metadata filter (scope: read).',
  security: [{ [bearerAuth.name]: [] }],
  request: { params: CollectionParams, body: { content: { 'application/json': { schema: SearchBody } } } },
  responses: {
    200: { description: 'Ranked chunks', content: { 'application/json': { schema: SearchResponse } } },
    ...problemResponses(400, 401, 403, 404, 415, 422, 429, 503),
  },
});

export function searchRoutes(search: CollectionSearch, limits: { maxQueryChars: number }): Router {
  const router = Router();
  router.post('/v1/collections/:name/search', requireScope('read'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const body = parseBody(SearchBody, req);
    checkQueryLength(body.query, limits.maxQueryChars, 'query');
    const response = await search.search(name, body, {
      apiKeyId: res.locals.apiKey?.id,
      requestId: res.locals.requestId,
      signal: res.locals.signal,
    });
    res.json(response);
  });
  return router;
}
