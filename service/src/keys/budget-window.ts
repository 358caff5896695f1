/**
 * Pure: a key's budget, the UTC window of its period that contains a moment, and whether a request fits.
 * Windows are aligned (an hour from :00, a day from 00:00 UTC, a month from the 1st 00:00 UTC); the reset
 * time of a budget is the end of the current window.
 */
export const budgetPeriods = ['hour', 'day', 'month'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

export interface Budget {
  period: BudgetPeriod;
  /** Requests per window; null is unlimited. */
  requests: number | null;
  /** Model tokens (LLM answers and embeddings) per window; null is unlimited. */
  tokens: number | null;
}

export interface BudgetUsage {
  requests: number;
  tokens: number;
}

export interface BudgetWindow {
  start: Date;
  /** Exclusive: the reset time. */
  end: Date;
}

/** The window of `period` that contains `now` (UTC). */
export function budgetWindow(period: BudgetPeriod, now: Date): BudgetWindow {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (period) {
    case 'hour': {
      const start = Date.UTC(y, m, d, now.getUTCHours());
      return { start: new Date(start), end: new Date(start + 3_600_000) };
    }
    case 'day':
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case 'month':
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  }
}

/**
 * Whether one more request fits: a request unit must be left, and the tokens must not be used up. Tokens
 * are charged after the model answered (their number is known only then), so the request that crosses the
 * token limit completes and the next one is refused.
 */
export function admits(budget: Budget, used: BudgetUsage): boolean {
  if (budget.requests !== null && used.requests + 1 > budget.requests) return false;
  if (budget.tokens !== null && used.tokens >= budget.tokens) return false;
  return true;
}

/** Whole seconds until `resetAt` (at least 1): the Retry-After of a refused request. */
export function secondsUntil(resetAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
}
