import type { Request } from 'express';
import type { z } from 'zod';
import { AppError, validationFailed } from '../errors/app-error.js';
import { findUnstorableText } from '../text/storable-text.js';

/** zod issues → the problem document's `errors` list (`path` in dotted form, `(body)` for the root). */
export function fieldErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}

/** Validates a JSON body against `schema`: 415 when the body is not JSON, 422 with field errors when invalid. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new AppError(415, 'unsupported-media-type', 'Send the body as application/json.');
  }
  const unstorable = findUnstorableText(req.body);
  if (unstorable.length > 0) throw validationFailed(unstorable);
  const result = schema.safeParse(req.body ?? undefined);
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}

export function parseParams<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const unstorable = findUnstorableText(value);
  if (unstorable.length > 0) throw validationFailed(unstorable);
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}
