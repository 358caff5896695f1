import { Router } from 'express';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { notFound } from '../errors/app-error.js';
import { requireScope } from '../http/authenticate.js';
import { parseBody, parseParams } from '../http/validate-request.js';
import { scopes } from '../keys/api-key-format.js';
import type { ApiKeyRecord, ApiKeyStore } from '../keys/api-key-store.js';
import { budgetPeriods, budgetWindow, type Budget } from '../keys/budget-window.js';
import type { KeyUsageCounter } from '../keys/key-usage-counter.js';

const limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();

const BudgetSchema = apiRegistry.register(
  'Budget',
  z
    .strictObject({
      period: z.enum(budgetPeriods).openapi({ description: 'UTC hour, day or month (from the 1st).' }),
      requests: limit.default(null).openapi({ description: 'Requests per period; null: not limited.' }),
      tokens: limit.default(null).openapi({
        description:
          'Model tokens per period (LLM answers and OpenAI-compatible embeddings); null: not limited.',
      }),
    })
    .refine((b) => b.requests !== null || b.tokens !== null, {
      message: 'Give a requests or a tokens limit (or both).',
    }),
);

const BudgetStatus = {
  budget: BudgetSchema.nullable().openapi({ description: 'null: the key has no budget.' }),
  usage: z
    .object({ requests: z.number().int(), tokens: z.number().int() })
    .nullable()
    .openapi({ description: 'Counted in the current period (null without a budget).' }),
  resetAt: z
    .string()
    .nullable()
    .openapi({ description: 'When the current period ends and usage restarts at 0 (ISO 8601, UTC).' }),
};

const KeyIdentity = apiRegistry.register(
  'KeyIdentity',
  z.object({
    name: z.string(),
    prefix: z
      .string()
      .openapi({ description: 'The first characters of the key, as `npm run keys -- list` shows.' }),
    scopes: z.array(z.enum(scopes)),
    ...BudgetStatus,
  }),
);

const KeyBudget = apiRegistry.register(
  'KeyBudget',
  z.object({ id: z.string(), name: z.string(), prefix: z.string(), ...BudgetStatus }),
);

const KeyParams = z.strictObject({ id: z.uuid() });

apiRegistry.registerPath({
  method: 'get',
  path: '/v1/keys/me',
  summary:
    'The calling key: its name, display prefix, scopes, budget and usage in the current period (any valid ' +
    'key; never counted against the budget, so a refused key can still read when it resets).',
  security: [{ [bearerAuth.name]: [] }],
  responses: {
    200: { description: 'The key', content: { 'application/json': { schema: KeyIdentity } } },
    ...problemResponses(401, 429),
  },
});

apiRegistry.registerPath({
  method: 'get',
  path: '/v1/keys/{id}/budget',
  summary: "A key's budget and its usage in the current period (scope: admin).",
  security: [{ [bearerAuth.name]: [] }],
  request: { params: KeyParams },
  responses: {
    200: { description: 'The budget', content: { 'application/json': { schema: KeyBudget } } },
    ...problemResponses(401, 403, 404, 422, 429, 503),
  },
});

apiRegistry.registerPath({
  method: 'put',
  path: '/v1/keys/{id}/budget',
  summary:
    'Gives a key a budget per period (scope: admin), replacing any it had; usage already counted in the ' +
    'current period stays. Other instances apply it within API_KEY_CACHE_MS.',
  security: [{ [bearerAuth.name]: [] }],
  request: { params: KeyParams, body: { content: { 'application/json': { schema: BudgetSchema } } } },
  responses: {
    200: { description: 'The budget', content: { 'application/json': { schema: KeyBudget } } },
    ...problemResponses(400, 401, 403, 404, 415, 422, 429, 503),
  },
});

apiRegistry.registerPath({
  method: 'delete',
  path: '/v1/keys/{id}/budget',
  summary: "Removes a key's budget (scope: admin): it is limited by the rate limit only.",
  security: [{ [bearerAuth.name]: [] }],
  request: { params: KeyParams },
  responses: {
    204: { description: 'Removed' },
    ...problemResponses(401, 403, 404, 422, 429, 503),
  },
});

/** The budget, its usage and reset time for a key (nulls when it has none). */
export async function budgetStatus(record: ApiKeyRecord, counter: KeyUsageCounter, now = new Date()) {
  const budget: Budget | null = record.budget;
  if (!budget) return { budget: null, usage: null, resetAt: null };
  const usage = await counter.usage(record.id, budget, now);
  return { budget, usage, resetAt: budgetWindow(budget.period, now).end.toISOString() };
}

export function keyRoutes(keys: ApiKeyStore, counter: KeyUsageCounter): Router {
  const router = Router();
  // every scope includes read, so this admits any valid key
  router.get('/v1/keys/me', requireScope('read'), async (_req, res) => {
    const key = res.locals.apiKey!;
    res.json({
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes,
      ...(await budgetStatus(key, counter)),
    });
  });

  const keyBudget = async (record: ApiKeyRecord) => ({
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    ...(await budgetStatus(record, counter)),
  });

  router.get('/v1/keys/:id/budget', requireScope('admin'), async (req, res) => {
    const { id } = parseParams(KeyParams, req.params);
    const record = await keys.find(id);
    if (!record) throw notFound(`No active key has the id ${id}.`);
    res.json(await keyBudget(record));
  });

  router.put('/v1/keys/:id/budget', requireScope('admin'), async (req, res) => {
    const { id } = parseParams(KeyParams, req.params);
    const budget = parseBody(BudgetSchema, req);
    const record = await keys.setBudget(id, budget);
    if (!record) throw notFound(`No active key has the id ${id}.`);
    res.json(await keyBudget(record));
  });

  router.delete('/v1/keys/:id/budget', requireScope('admin'), async (req, res) => {
    const { id } = parseParams(KeyParams, req.params);
    const record = await keys.setBudget(id, null);
    if (!record) throw notFound(`No active key has the id ${id}.`);
    res.status(204).end();
  });
  return router;
}
