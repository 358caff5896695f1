// One line of the host's audit.jsonl, and the record a deploy or rollback leaves (pure).
import type { DeployOutcome } from './deploy-report.js';
import type { Color } from './host-layout.js';

export interface AuditRecord {
  time: string;
  action: 'deploy' | 'rollback';
  environment: string;
  actor: string;
  runUrl: string;
  image: string;
  imageId: string;
  color: Color | null;
  previousColor: Color | null;
  result: 'success' | 'failure';
  failedStep: string | null;
  error: string | null;
  durationSeconds: number;
}

export interface AuditFacts {
  actor: string;
  runUrl: string;
  time: Date;
  durationSeconds: number;
  failure: { step: string; message: string } | null;
}

/** The audit record of a deploy or rollback outcome (error text capped at 2,000 characters). */
export function auditRecordFor(outcome: DeployOutcome, facts: AuditFacts): AuditRecord {
  const { failure } = facts;
  return {
    time: facts.time.toISOString(),
    action: outcome.command === 'rollback' ? 'rollback' : 'deploy',
    environment: outcome.environment,
    actor: facts.actor,
    runUrl: facts.runUrl,
    image: outcome.image,
    imageId: outcome.imageId,
    color: outcome.color,
    previousColor: outcome.previousColor,
    result: failure ? 'failure' : 'success',
    failedStep: failure?.step ?? null,
    error: failure ? failure.message.slice(0, 2000) : null,
    durationSeconds: Math.round(facts.durationSeconds * 10) / 10,
  };
}

export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}
