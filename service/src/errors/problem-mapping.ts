/**
 * The one mapping from anything thrown to a problem the client may see. Store outages (Postgres, Chroma,
 * Redis) and model failures become 503 `dependency-unavailable` with Retry-After; input a store cannot hold
 * becomes 422; configuration and migration failures, and everything unknown, become a bare 500. Details of
 * internal failures never reach the client.
 */
import {
  AppError,
  DEPENDENCY_RETRY_AFTER_SECONDS,
  problemTitle,
  unavailable,
  type ProblemSlug,
} from './app-error.js';
import { ModelError } from './model-error.js';
import { ConfigError, MigrationError } from './startup-errors.js';

export interface MappedProblem {
  problem: AppError;
  /** True when the failure is not one the service expects (a bug): logged in full at error level. */
  unexpected: boolean;
}

/** Postgres SQLSTATEs that mean "the server is not there right now". */
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300', '53400', '58000', '58030']);
/** Postgres SQLSTATEs for text it cannot store (NUL bytes, invalid encodings, unparsable literals). */
const unstorableSqlStates = new Set(['22P05', '22021', '22P02', '22023', '54000']);
/** Node socket errors: the peer is not reachable. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** Messages node-postgres and node-redis use for lost or unobtainable connections. */
const connectionMessages = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /not queryable/i,
  /Cannot use a pool after calling end/i,
  /the client is closed/i,
  /socket closed unexpectedly/i,
  /connection timeout/i,
];

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  errors?: unknown;
}

/** True when `error` says a store (Postgres, Redis) cannot be reached; AggregateErrors count if any part does. */
export function isStoreOutage(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as ErrorShape;
  if (typeof e.code === 'string') {
    if (unavailableSqlStates.has(e.code) || e.code.startsWith('08') || networkCodes.has(e.code)) return true;
  }
  if (
    typeof e.message === 'string' &&
    connectionMessages.some((pattern) => pattern.test(e.message as string))
  )
    return true;
  if (Array.isArray(e.errors)) return e.errors.some(isStoreOutage);
  return false;
}

function isUnstorableInput(error: unknown): boolean {
  const code = (error as ErrorShape | undefined)?.code;
  return typeof code === 'string' && unstorableSqlStates.has(code);
}

/** Errors raised by Express's body parser and router, mapped onto the error model. */
function fromFrameworkError(error: unknown): AppError | undefined {
  const e = (error ?? {}) as ErrorShape;
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
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
  if (error instanceof URIError)
    return new AppError(400, 'bad-request', 'The URL has an invalid percent-encoding.');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const slug: ProblemSlug =
      status === 404 ? 'not-found' : status === 408 ? 'request-timeout' : 'bad-request';
    return new AppError(status, slug, problemTitle(slug));
  }
  return undefined;
}

function fromModelError(error: ModelError): AppError {
  const seconds = error.retryAfterMs
    ? Math.max(1, Math.ceil(error.retryAfterMs / 1000))
    : DEPENDENCY_RETRY_AFTER_SECONDS;
  return unavailable('The model service is unavailable; try again shortly.', seconds);
}

const internalError = () => new AppError(500, 'internal-error', 'An unexpected error occurred.');

/** The problem to answer for `error`. */
export function toProblem(error: unknown): MappedProblem {
  if (error instanceof ModelError) return { problem: fromModelError(error), unexpected: false };
  if (error instanceof ConfigError || error instanceof MigrationError)
    return { problem: internalError(), unexpected: true };
  if (error instanceof AppError) {
    if (error.status === 503 && !error.headers?.['Retry-After']) {
      return { problem: unavailable(error.message), unexpected: false };
    }
    return { problem: error, unexpected: false };
  }
  if (isStoreOutage(error))
    return { problem: unavailable('A data store is unavailable; try again shortly.'), unexpected: false };
  if (isUnstorableInput(error)) {
    const problem = new AppError(422, 'validation-error', 'The request contains text the store cannot hold.');
    return { problem, unexpected: false };
  }
  const framework = fromFrameworkError(error);
  if (framework) return { problem: framework, unexpected: false };
  return { problem: internalError(), unexpected: true };
}
