import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../observability/redact-url.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The request's logger (its id and request line bound), made on first use by `requestLog`. */
    log?: Logger;
  }
}

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Requests whose completion is not logged: probes and scrapes would drown the log. */
const quietPaths = new Set(['/health/live', '/metrics']);

/**
 * Accepts a sane incoming x-request-id or makes one; echoes it; writes one line when the response ends
 * (`request completed`, or `request aborted` when the client left first) at info, warn for 4xx, error for
 * 5xx. Handlers log through `requestLog(req, res)`. One middleware, and no child logger unless something is
 * written: a request that logs nothing costs a listener and a clock reading (ADR 0017).
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    if (!quietPaths.has(req.url)) {
      const started = performance.now();
      const complete = () => {
        res.off('close', complete);
        res.off('finish', complete);
        logCompletion(logger, req, res, performance.now() - started);
      };
      res.on('finish', complete);
      res.on('close', complete);
    }
    next();
  };
}

/** The request's logger: the base logger with the request id and request line bound (made once, on demand). */
export function requestLog(req: Request, res: Response, base: Logger): Logger {
  res.locals.log ??= base.child({ req: requestLine(req, res), requestId: res.locals.requestId });
  return res.locals.log;
}

function logCompletion(logger: Logger, req: Request, res: Response, elapsedMs: number): void {
  const status = res.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const finished = !req.readableAborted && res.writableEnded;
  const fields = { res: { statusCode: status }, responseTime: Math.round(elapsedMs) };
  const log = requestLog(req, res, logger);
  if (status >= 500)
    log[level]({ ...fields, err: { message: `failed with status code ${status}` } }, 'request errored');
  else log[level](fields, finished ? 'request completed' : 'request aborted');
}

function requestLine(req: Request, res: Response) {
  return {
    id: res.locals.requestId,
    method: req.method,
    url: redactUrl(req.originalUrl),
    remoteAddress: req.socket.remoteAddress,
  };
}
