import type { Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's response headers for `options`, worked out once at start. Without a per-request directive (a CSP
 * nonce) helmet sets the same headers on every response: they are recorded from helmet itself, then set from
 * that list — one middleware instead of helmet's chain of twelve (ADR 0017). A configuration that needs the
 * request throws here, at start, so the shortcut cannot silently go stale.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const set = new Map<string, string>();
  const removed = new Set<string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => set.set(name, String(value)),
    removeHeader: (name: string) => removed.add(name),
  };
  const noRequest = new Proxy(
    {},
    {
      get: () => {
        throw new Error('these helmet options read the request: their headers cannot be worked out once');
      },
    },
  );
  let finished = false;
  helmet(options)(noRequest as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish at once: its headers cannot be worked out once');
  const headers = [...set];
  const removals = [...removed];
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removals) res.removeHeader(name);
    next();
  };
}
