/**
 * The one error base of the service: every failure that has a meaning for a client is an AppError with an
 * HTTP status and a problem type (`urn:slipway:problem:<slug>`). `problem-mapping.ts` turns anything thrown
 * into one; `http/` only renders it (RFC 9457).
 */
export interface FieldError {
  path: string;
  message: string;
}

export type ProblemSlug =
  | 'bad-request'
  | 'malformed-json'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'validation-error'
  | 'rate-limited'
  | 'budget-exhausted'
  | 'streams-at-capacity'
  | 'internal-error'
  | 'dependency-unavailable'
  | 'request-timeout'
  | 'invalid-configuration'
  | 'migration-failed';

const titles: Record<ProblemSlug, string> = {
  'bad-request': 'Bad request',
  'malformed-json': 'Malformed JSON body',
  unauthorized: 'Authentication required',
  forbidden: 'Insufficient scope',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'validation-error': 'Validation failed',
  'rate-limited': 'Too many requests',
  'budget-exhausted': 'Budget exhausted',
  'streams-at-capacity': 'Too many answer streams',
  'internal-error': 'Internal server error',
  'dependency-unavailable': 'A dependency is unavailable',
  'request-timeout': 'Request timed out',
  'invalid-configuration': 'Invalid configuration',
  'migration-failed': 'Migration failed',
};

export class AppError extends Error {
  readonly title: string;
  constructor(
    readonly status: number,
    readonly slug: ProblemSlug,
    detail?: string,
    readonly fieldErrors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** Extension members of the problem document (RFC 9457 §3.2), e.g. `resetAt`. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? titles[slug]);
    this.name = 'AppError';
    this.title = titles[slug];
  }

  get type(): string {
    return problemType(this.slug);
  }
}

export const problemType = (slug: ProblemSlug) => `urn:slipway:problem:${slug}`;
export const problemTitle = (slug: ProblemSlug) => titles[slug];

/** Seconds a client should wait before retrying after a dependency outage. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export const notFound = (detail: string) => new AppError(404, 'not-found', detail);
export const conflict = (detail: string) => new AppError(409, 'conflict', detail);
export const unavailable = (detail: string, retryAfterSeconds = DEPENDENCY_RETRY_AFTER_SECONDS) =>
  new AppError(503, 'dependency-unavailable', detail, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });
/** 402: the key's budget for its period is used up until `resetAt` (named in the body and in Retry-After). */
export const budgetExhausted = (detail: string, resetAt: Date, retryAfterSeconds: number) =>
  new AppError(
    402,
    'budget-exhausted',
    detail,
    undefined,
    { 'Retry-After': String(retryAfterSeconds) },
    {
      resetAt: resetAt.toISOString(),
    },
  );
export const validationFailed = (fieldErrors: FieldError[]) =>
  new AppError(422, 'validation-error', 'The request does not match the schema.', fieldErrors);
