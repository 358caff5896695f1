import type { RequestHandler } from 'express';
import { bearerToken, scopeSatisfies, type Scope } from '../keys/api-key-format.js';
import type { ApiKeyRecord, ApiKeyStore } from '../keys/api-key-store.js';
import { AppError } from '../errors/app-error.js';

declare module 'express-serve-static-core' {
  interface Locals {
    apiKey?: ApiKeyRecord;
    /** The sent key's HMAC, computed once by `recogniseCaller`. */
    apiKeyHash?: string;
    requestId?: string;
  }
}

/**
 * From memory alone: puts a Bearer key this process verified moments ago onto res.locals.apiKey, before any
 * store is asked (the failed-authentication throttle then has nothing to count). Other keys are left to
 * `identifyCaller`.
 */
export function recogniseCaller(keys: ApiKeyStore): RequestHandler {
  return (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token) {
      const hash = keys.hashOf(token);
      res.locals.apiKeyHash = hash;
      const trusted = keys.trustedByHash(hash);
      if (trusted) res.locals.apiKey = trusted;
    }
    next();
  };
}

/**
 * Resolves a Bearer key (when one is sent and not already recognised) onto res.locals.apiKey. A key that is
 * sent but unknown or revoked is rejected here, so rate limiting never counts bogus keys as separate clients.
 */
export function identifyCaller(keys: ApiKeyStore): RequestHandler {
  return async (req, res, next) => {
    if (res.locals.apiKey) return next();
    const header = req.get('authorization');
    if (header === undefined) return next();
    const token = bearerToken(header);
    if (!token) return next(unauthorized('Use "Authorization: Bearer <api key>".'));
    const record = await keys.verify(token, res.locals.apiKeyHash);
    if (!record) return next(unauthorized('The API key is unknown or revoked.'));
    res.locals.apiKey = record;
    next();
  };
}

/** Every /v1 route needs a key: answered before the body is read, so anonymous callers cost no parsing. */
export const requireCaller: RequestHandler = (_req, res, next) => {
  if (!res.locals.apiKey) return next(unauthorized('This endpoint needs an API key.'));
  next();
};

/** Requires an identified key with at least `scope` (admin ⊇ ingest ⊇ read). */
export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    const key = res.locals.apiKey;
    if (!key) return next(unauthorized('This endpoint needs an API key.'));
    if (!scopeSatisfies(key.scopes, scope)) {
      return next(new AppError(403, 'forbidden', `This endpoint needs the "${scope}" scope.`));
    }
    next();
  };
}

const unauthorized = (detail: string) =>
  new AppError(401, 'unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="slipway"' });
