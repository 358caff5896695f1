/**
 * The one error model of the service. Anything thrown that is not an AppError is an internal error:
 * logged in full, answered as a bare 500 with no internals.
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
  | 'internal-error'
  | 'dependency-unavailable'
  | 'request-timeout';

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
  'internal-error': 'Internal server error',
  'dependency-unavailable': 'A dependency is unavailable',
  'request-timeout': 'Request timed out',
};

export class AppError extends Error {
  readonly title: string;
  constructor(
    readonly status: number,
    readonly slug: ProblemSlug,
    detail?: string,
    readonly fieldErrors?: FieldError[],
    readonly headers?: Record<string, string>,
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

export const notFound = (detail: string) => new AppError(404, 'not-found', detail);
export const conflict = (detail: string) => new AppError(409, 'conflict', detail);
export const unavailable = (detail: string) => new AppError(503, 'dependency-unavailable', detail);
export const validationFailed = (fieldErrors: FieldError[]) =>
  new AppError(422, 'validation-error', 'The request does not match the schema.', fieldErrors);
