// One line of the host's audit.jsonl (pure).
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

export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}
