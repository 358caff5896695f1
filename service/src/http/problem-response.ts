import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, problemTitle, problemType, type ProblemSlug } from './app-error.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(req: Request, res: Response, error: AppError): void {
  const body: ProblemBody = {
    type: error.type,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: req.originalUrl,
    requestId: res.locals.requestId as string | undefined,
  };
  if (error.fieldErrors?.length) body.errors = error.fieldErrors;
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.status(error.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Maps errors raised by Express's body parser and friends onto the error model. */
function fromFrameworkError(error: unknown): AppError | undefined {
  const e = error as { type?: string; status?: number; statusCode?: number; expose?: boolean };
  const status = e.status ?? e.statusCode;
  switch (e.type) {
    case 'entity.too.large':
      return new AppError(413, 'payload-too-large', 'The request body is larger than the server accepts.');
    case 'entity.parse.failed':
      return new AppError(400, 'malformed-json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported-media-type', 'Unsupported body encoding or charset.');
    case 'request.aborted':
      return new AppError(400, 'bad-request', 'The request was aborted by the client.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose) {
    const slug: ProblemSlug = status === 404 ? 'not-found' : 'bad-request';
    return new AppError(status, slug, problemTitle(slug));
  }
  return undefined;
}

/** The one Express error handler: problem+json for every error; internals never reach the client. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    // The client went away or the request already got its timeout answer: the work was cancelled on
    // purpose and there is nobody left to answer — not an error.
    if (res.locals.signal?.aborted && (res.headersSent || req.destroyed)) {
      (req.log ?? logger).info({ reason: String(res.locals.signal.reason) }, 'request abandoned');
      return;
    }
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = error instanceof AppError ? error : fromFrameworkError(error);
    if (known) {
      if (known.status >= 500) req.log?.warn({ err: error }, known.message);
      sendProblem(req, res, known);
      return;
    }
    (req.log ?? logger).error({ err: error }, 'unhandled error');
    sendProblem(req, res, new AppError(500, 'internal-error', 'An unexpected error occurred.'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(req, res, new AppError(404, 'not-found', `No route for ${req.method} ${req.path}.`));
};

export { problemType };
