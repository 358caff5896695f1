import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { AppError } from '../errors/app-error.js';

/** Where the console build writes (`npm run build -w console`, `npm start`, the image): <repo>/console/dist. */
export const defaultConsoleDir = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const notBuilt = () =>
  new AppError(404, 'not-found', 'The web console is not built here: run `npm run build -w console`.');

/**
 * Serves the web console (a client of the public v1 API) at `/`: index.html is revalidated on every load
 * (`no-cache`), the content-hashed files under /assets are cached for a year as immutable.
 */
export function consoleRoutes(dir: string = defaultConsoleDir): Router {
  const router = Router();
  router.get('/', (_req, res, next) => {
    res.sendFile('index.html', { root: dir, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
      if (error && !res.headersSent) next(notBuilt());
    });
  });
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false }),
  );
  return router;
}
