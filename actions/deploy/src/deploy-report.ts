// What a run reports: per-step timings, the outcome, and the job-summary markdown (pure).
import type { Color } from './host-layout.js';

export interface StepTiming {
  name: string;
  seconds: number;
  ok: boolean;
}

export interface DeployOutcome {
  command: 'deploy' | 'rollback' | 'status' | 'unlock';
  environment: string;
  ok: boolean;
  color: Color | null;
  previousColor: Color | null;
  image: string;
  imageId: string;
  durationSeconds: number;
  steps: StepTiming[];
  error: string | null;
  failedStep: string | null;
  url: string;
  notes: string[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderDeploySummary(outcome: DeployOutcome): string {
  const title = `${outcome.ok ? '✅' : '❌'} ${outcome.command} to \`${outcome.environment}\` ${outcome.ok ? 'succeeded' : 'failed'}`;
  const lines = [`## ${title}`, ''];
  lines.push('| | |', '|---|---|');
  lines.push(`| Active colour | ${outcome.color ?? 'none'} |`);
  lines.push(`| Previous colour | ${outcome.previousColor ?? 'none'} |`);
  lines.push(`| Image | \`${escapeCell(outcome.image || 'n/a')}\` |`);
  if (outcome.imageId) lines.push(`| Image id | \`${escapeCell(outcome.imageId)}\` |`);
  lines.push(`| URL | ${outcome.url} |`);
  lines.push(`| Duration | ${outcome.durationSeconds.toFixed(1)} s |`);
  if (outcome.failedStep) lines.push(`| Failed step | ${outcome.failedStep} |`);
  if (outcome.steps.length > 0) {
    lines.push('', '| Step | Seconds | Result |', '|---|---:|---|');
    for (const step of outcome.steps) {
      lines.push(`| ${step.name} | ${step.seconds.toFixed(2)} | ${step.ok ? 'ok' : 'failed'} |`);
    }
  }
  if (outcome.error) lines.push('', '```', outcome.error.slice(0, 4000), '```');
  for (const note of outcome.notes) lines.push('', `> ${note}`);
  if (outcome.command === 'deploy' || outcome.command === 'rollback') {
    lines.push(
      '',
      `Roll back: run this action again with \`command: rollback\` and \`environment: ${outcome.environment}\` ` +
        '(switches to the retained previous colour; see docs/runbooks/rollback.md).',
    );
  }
  return `${lines.join('\n')}\n`;
}
