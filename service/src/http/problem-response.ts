import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, problemType } from '../errors/app-error.js';
import { toProblem } from '../errors/problem-mapping.js';
import { redactUrl } from '../observability/redact-url.js';
import { activeTraceIds } from '../observability/tracing.js';
import { requestLog } from './request-context.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId?: string;
  /** The OpenTelemetry trace of the request, when tracing is on: what an operator looks up. */
  traceId?: string;
  errors?: { path: string; message: string }[];
  /** Extension members (e.g. `resetAt` of a 402). */
  [extension: string]: unknown;
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(req: Request, res: Response, error: AppError): void {
  const body: ProblemBody = {
    ...error.extensions,
    type: error.type,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: redactUrl(req.originalUrl),
    requestId: res.locals.requestId as string | undefined,
    traceId: activeTraceIds()?.traceId,
  };
  if (error.fieldErrors?.length) body.errors = error.fieldErrors;
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.status(error.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The one Express error handler: renders the problem `toProblem` maps the error to (RFC 9457). */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    // The client went away or the request already got its timeout answer: the work was cancelled on
    // purpose and there is nobody left to answer — not an error.
    if (res.locals.signal?.aborted && (res.headersSent || req.destroyed)) {
      requestLog(req, res, logger).info({ reason: String(res.locals.signal.reason) }, 'request abandoned');
      return;
    }
    if (res.headersSent) {
      next(error);
      return;
    }
    const { problem, unexpected } = toProblem(error);
    if (unexpected) requestLog(req, res, logger).error({ err: error }, 'unhandled error');
    else if (problem.status >= 500) requestLog(req, res, logger).warn({ err: error }, problem.message);
    sendProblem(req, res, problem);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(req, res, new AppError(404, 'not-found', `No route for ${req.method} ${redactUrl(req.path)}.`));
};

export { problemType };
