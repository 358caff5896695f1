/**
 * Model tokens spent on behalf of the request being served. The HTTP layer runs a request's handlers inside
 * `withTokenMeter` (its key's budget charges what the meter is told); the model clients (chat completions,
 * OpenAI-compatible embeddings) report what each call cost with `recordModelTokens`. Outside a metered
 * request (ingest from the CLI, start-up warm-up) reporting does nothing. AsyncLocalStorage carries the meter
 * through awaits, so the clients need no request object (docs/adr/0009-key-budgets.md).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type TokenMeter = (tokens: number) => void;

const meters = new AsyncLocalStorage<TokenMeter>();

/** Runs `fn` (and every continuation it starts) with `meter` as the current request's meter. */
export function withTokenMeter<T>(meter: TokenMeter, fn: () => T): T {
  return meters.run(meter, fn);
}

/** Charges `tokens` to the current request's meter, if there is one. */
export function recordModelTokens(tokens: number): void {
  if (!(tokens > 0)) return;
  meters.getStore()?.(Math.ceil(tokens));
}
