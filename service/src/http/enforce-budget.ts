import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { budgetExhausted } from '../errors/app-error.js';
import { secondsUntil, type Budget, type BudgetUsage } from '../keys/budget-window.js';
import type { BudgetDecision, KeyUsageCounter } from '../keys/key-usage-counter.js';
import type { Metrics } from '../observability/metrics.js';
import { withTokenMeter, type TokenMeter } from '../observability/token-meter.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Charges model tokens to the caller's budget (set only for a key that has one). */
    tokenMeter?: TokenMeter;
    /** Gives the request's unit back when it is refused before any work (set only for a key with a budget). */
    refundBudget?: () => void;
  }
}

/**
 * Counts the request against its key's budget (when the key has one), before the body is read: a request
 * that does not fit is refused with 402 and the reset time. Requests `exempt` says so are neither counted
 * nor refused (a key must always be able to read its own usage).
 */
export function enforceKeyBudget(
  counter: KeyUsageCounter,
  logger: Logger,
  metrics: Pick<Metrics, 'budgetRefusals'>,
  exempt: (req: Request) => boolean = () => false,
): RequestHandler {
  return async (req, res, next) => {
    const key = res.locals.apiKey;
    const budget = key?.budget;
    if (!key || !budget || exempt(req)) return next();
    const decision = await counter.admit(key.id, budget);
    if (!decision.allowed) {
      metrics.budgetRefusals.inc();
      return next(refusal(budget, decision));
    }
    res.locals.refundBudget = () => {
      res.locals.refundBudget = undefined; // once
      counter.refund(key.id, budget).catch((error: unknown) => {
        logger.warn({ err: error, apiKeyId: key.id }, 'could not refund a key budget unit');
      });
    };
    res.locals.tokenMeter = (tokens) => {
      counter.charge(key.id, budget, tokens).catch((error: unknown) => {
        logger.warn({ err: error, apiKeyId: key.id }, 'could not charge model tokens to a key budget');
      });
    };
    next();
  };
}

/** Runs the rest of the request with its key's token meter; placed after the body parser (see ADR 0009). */
export const meterModelTokens: RequestHandler = (_req, res, next) => {
  const meter = res.locals.tokenMeter;
  if (!meter) return next();
  withTokenMeter(meter, next);
};

function refusal(budget: Budget, decision: BudgetDecision) {
  const resetAt = decision.window.end;
  const spent = describeSpent(budget, decision.usage);
  return budgetExhausted(
    `The key's ${budget.period} budget is used up (${spent}); it resets at ${resetAt.toISOString()}.`,
    resetAt,
    secondsUntil(resetAt, new Date()),
  );
}

function describeSpent(budget: Budget, usage: BudgetUsage): string {
  const parts: string[] = [];
  if (budget.requests !== null) parts.push(`${usage.requests} of ${budget.requests} requests`);
  if (budget.tokens !== null) parts.push(`${usage.tokens} of ${budget.tokens} tokens`);
  return parts.join(', ');
}
