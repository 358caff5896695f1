import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.js';
import { sendProblem } from './problem-response.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Aborted when the request times out or the client goes away; pass it to outbound calls. */
    signal?: AbortSignal;
  }
}

/**
 * Answers a request still unanswered after `ms` — 408 when its body has not fully arrived (a slow client),
 * else 503 — and aborts its outbound work.
 */
export function requestTimeout(ms: number): RequestHandler {
  return (req, res, next) => {
    const controller = new AbortController();
    res.locals.signal = controller.signal;
    const timer = setTimeout(() => {
      controller.abort(new Error('request timed out'));
      if (res.headersSent) return;
      if (!req.complete) {
        // the client has not finished sending its body: its fault, and the connection cannot be reused
        res.setHeader('Connection', 'close');
        sendProblem(
          req,
          res,
          new AppError(408, 'request-timeout', `The request body did not arrive within ${ms} ms.`),
        );
        return;
      }
      sendProblem(req, res, new AppError(503, 'request-timeout', `No answer within ${ms} ms.`));
    }, ms);
    const done = () => clearTimeout(timer);
    res.on('finish', done);
    res.on('close', () => {
      done();
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    next();
  };
}
