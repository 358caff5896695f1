import { Router, type Request, type Response } from 'express';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { validationFailed } from '../errors/app-error.js';
import { requireScope } from '../http/authenticate.js';
import { parseBody, parseParams } from '../http/validate-request.js';
import { scopeSatisfies } from '../keys/api-key-format.js';
import {
  applyVariant,
  chooseVariant,
  VARIANT_HEADER,
  type RetrievalExperiment,
  type RetrievalParameters,
} from '../retrieval/retrieval-experiment.js';
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

export const modeDefault =
  "Default: the mode of the key's retrieval experiment variant — `hybrid` unless an experiment sets another.";

/** The variant a request ran under, in the response. */
export const variantField = z.string().openapi({
  description:
    'The retrieval experiment variant the request ran under (`control` = the defaults); also the ' +
    `\`${VARIANT_HEADER}\` response header.`,
});

/** The optional request header that picks a variant (admin keys only). */
export const VariantHeaders = z.object({
  [VARIANT_HEADER.toLowerCase()]: z
    .string()
    .optional()
    .openapi({
      description:
        'Run under this retrieval experiment variant instead of the assigned one (admin keys only: 403 ' +
        'otherwise; an unknown name is 400). For trying a variant before it gets traffic.',
    }),
});

/**
 * The variant of one request (assigned by the key's id, or chosen by an admin key's header), announced in
 * the response header; a refused header throws its problem (400/403).
 */
export function variantOf(experiment: RetrievalExperiment, req: Request, res: Response): RetrievalParameters {
  const key = res.locals.apiKey;
  const parameters = chooseVariant(experiment, {
    keyId: key?.id,
    requested: req.get(VARIANT_HEADER),
    mayChoose: key !== undefined && scopeSatisfies(key.scopes, 'admin'),
  });
  res.set(VARIANT_HEADER, parameters.variant);
  return parameters;
}

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
    mode: searchMode.optional().openapi({ description: modeDefault }),
    mmr: z
      .strictObject({ lambda: z.number().min(0).max(1).default(0.7) })
      .optional()
      .openapi({
        description:
          'Maximal marginal relevance: 1 = relevance only, 0 = diversity only. Without it, none unless ' +
          "the key's experiment variant sets a λ.",
      }),
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
    variant: variantField,
  }),
);

apiRegistry.registerPath({
  method: 'post',
  path: '/v1/collections/{name}/search',
  summary: 'Search a collection: keyword, vector or hybrid, optional MMR and metadata filter (scope: read).',
  security: [{ [bearerAuth.name]: [] }],
  request: {
    params: CollectionParams,
    headers: VariantHeaders,
    body: { content: { 'application/json': { schema: SearchBody } } },
  },
  responses: {
    200: { description: 'Ranked chunks', content: { 'application/json': { schema: SearchResponse } } },
    ...problemResponses(400, 401, 403, 404, 415, 422, 429, 503),
  },
});

export function searchRoutes(
  search: CollectionSearch,
  experiment: RetrievalExperiment,
  limits: { maxQueryChars: number },
): Router {
  const router = Router();
  router.post('/v1/collections/:name/search', requireScope('read'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const body = parseBody(SearchBody, req);
    checkQueryLength(body.query, limits.maxQueryChars, 'query');
    const parameters = variantOf(experiment, req, res);
    const response = await search.search(
      name,
      { ...body, ...applyVariant(parameters, body) },
      {
        apiKeyId: res.locals.apiKey?.id,
        requestId: res.locals.requestId,
        variant: parameters.variant,
        signal: res.locals.signal,
      },
    );
    res.json({ ...response, variant: parameters.variant });
  });
  return router;
}
