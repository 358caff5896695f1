/** An RFC 9457 problem document as the service writes it (every field optional: trust nothing). */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
  /** 402 budget-exhausted: when the key's budget period ends (ISO 8601). */
  resetAt?: string;
}

export interface FailedResponse {
  status: number;
  /** The parsed problem+json body, when the response had one. */
  problem?: ProblemBody;
  /** Seconds from the `Retry-After` header (delta-seconds or an HTTP date), when sent. */
  retryAfterSeconds?: number;
}

/** Pure: `Retry-After` as whole seconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);
const retryHint = (s: number | undefined) => (s === undefined ? '' : ` Try again in ${seconds(s)}.`);
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/**
 * Pure: what went wrong, in words a person understands, from a failed API response. The service's own
 * `detail` is shown where it names the thing (a collection, a scope, a field); the request id is added
 * where an operator would need it.
 */
export function explainProblem(failed: FailedResponse): string {
  const { status, problem, retryAfterSeconds } = failed;
  const detail = problem?.detail ? sentence(problem.detail) : '';
  switch (status) {
    case 400:
      return `The service could not read the request. ${detail}`.trim();
    case 401:
      return 'This API key was not accepted: it is unknown or has been revoked. Check it and paste it again.';
    case 402:
      return `This API key has used up its budget${
        problem?.resetAt && !Number.isNaN(Date.parse(problem.resetAt))
          ? `; it resets at ${new Date(problem.resetAt).toUTCString()}`
          : ''
      }. Ask an administrator for a larger budget, or wait until then.`;
    case 403:
      return `Your API key is not allowed to do this. ${detail}`.trim();
    case 404:
      return detail || 'That no longer exists. Refresh the list and try again.';
    case 409:
      return detail || 'That conflicts with what is already stored.';
    case 413:
      return 'That is larger than the service accepts in one request. Send a smaller file, or split it.';
    case 415:
      return 'The service does not accept this kind of content.';
    case 422: {
      const fields = (problem?.errors ?? []).map((e) => `${e.path || 'input'}: ${e.message}`);
      return fields.length > 0
        ? `Some input was not accepted — ${fields.join('; ')}.`
        : `Some input was not accepted. ${detail}`.trim();
    }
    case 429:
      return `Too many requests with this key.${retryHint(retryAfterSeconds ?? 60)}`;
    case 503:
      return `The service is degraded: ${detail || 'a store it needs is unavailable.'}${retryHint(retryAfterSeconds)}`;
    default:
      return `Something went wrong in the service (HTTP ${status}).${
        problem?.requestId ? ` Quote request id ${problem.requestId} when you report it.` : ''
      }`;
  }
}

export const unreachableMessage =
  'The service cannot be reached. Check that it is running and your connection, then try again.';
