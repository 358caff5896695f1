import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/**
 * One registry for the whole API: route modules register their request/response schemas here and
 * GET /openapi.json is generated from it, so the document cannot drift from the validators.
 */
export const apiRegistry = new OpenAPIRegistry();

export const bearerAuth = apiRegistry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  description: 'API key created with `npm run keys -- create` (scopes: read, ingest, admin).',
});

export const Problem = apiRegistry.register(
  'Problem',
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string().optional(),
      instance: z.string(),
      requestId: z.string().optional(),
      traceId: z.string().optional().openapi({
        description:
          "The request's OpenTelemetry trace id, while tracing is on (docs/operations.md#tracing).",
      }),
      errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      resetAt: z.string().optional().openapi({
        description: "budget-exhausted (402) only: when the key's budget period ends (ISO 8601, UTC).",
      }),
    })
    .openapi({ description: 'RFC 9457 problem details.' }),
);

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: `Problem (${status})`, content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );

/** Every operation that takes a key may answer 402 once the key's budget is used up (keys/budget-window.ts). */
function withBudgetResponses<T extends { paths?: object }>(document: T): T {
  for (const [path, item] of Object.entries(document.paths ?? {}) as [string, object][]) {
    if (path === '/v1/keys/me') continue; // never counted or refused: a refused key reads when it resets
    for (const operation of Object.values(item) as { security?: unknown[]; responses?: object }[]) {
      if (!operation?.security?.length || !operation.responses) continue;
      operation.responses = { ...operation.responses, ...problemResponses(402) };
    }
  }
  return document;
}

export function generateOpenApiDocument(version: string) {
  const document = new OpenApiGeneratorV31(apiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Slipway RAG service',
      version,
      description: 'Collections of documents, hybrid retrieval and cited answers.',
    },
  });
  return withBudgetResponses(document);
}

export { z };
