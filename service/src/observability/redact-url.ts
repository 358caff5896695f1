/**
 * Pure: a request URL safe to log or echo. Values of query parameters whose names suggest a credential
 * (`key`, `api_key`, `token`, `secret`, `password`, `auth`, `signature`…) and anything shaped like a Slipway
 * API key (`slw_…`), wherever it appears, become `[REDACTED]`.
 */
const credentialName = /key|token|secret|passw|auth|signature|^sig$|credential|session/i;
const apiKeyShape = /slw_[A-Za-z0-9_-]+/g;
export const REDACTED = '[REDACTED]';

export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : url.slice(queryAt + 1);
  const safePath = path.replace(apiKeyShape, REDACTED);
  if (query === undefined) return safePath;
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      if (equals !== -1 && credentialName.test(safeDecode(name))) return `${name}=${REDACTED}`;
      return pair.replace(apiKeyShape, REDACTED);
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
