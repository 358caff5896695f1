import { Router } from 'express';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { requireScope } from '../http/authenticate.js';
import { scopes } from '../keys/api-key-format.js';

const KeyIdentity = apiRegistry.register(
  'KeyIdentity',
  z.object({
    name: z.string(),
    prefix: z
      .string()
      .openapi({ description: 'The first characters of the key, as `npm run keys -- list` shows.' }),
    scopes: z.array(z.enum(scopes)),
  }),
);

apiRegistry.registerPath({
  method: 'get',
  path: '/v1/keys/me',
  summary:
    'The calling key: its name, display prefix and scopes (any valid key). Clients learn what they may do.',
  security: [{ [bearerAuth.name]: [] }],
  responses: {
    200: { description: 'The key', content: { 'application/json': { schema: KeyIdentity } } },
    ...problemResponses(401, 429),
  },
});

export function keyRoutes(): Router {
  const router = Router();
  // every scope includes read, so this admits any valid key
  router.get('/v1/keys/me', requireScope('read'), (_req, res) => {
    const key = res.locals.apiKey!;
    res.json({ name: key.name, prefix: key.prefix, scopes: key.scopes });
  });
  return router;
}
