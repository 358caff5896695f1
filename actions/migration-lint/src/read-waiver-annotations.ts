// Waiver annotations live in SQL comments:
//   -- migration-lint: allow drop-column reason="column unused since v1.4 (expand/contract step 2)"
// Several rules may be listed, comma-separated. Without a reason the annotation is not a waiver.
import type { RuleId } from './migration-rules.js';
import { isRuleId } from './migration-rules.js';

export type WaiverAnnotation =
  { valid: true; rules: RuleId[]; reason: string } | { valid: false; problem: string } | undefined;

const marker = /migration-lint\s*:\s*allow\b(.*)$/is;
const reasonPattern = /\breason\s*=\s*(?:"([^"]*)"|'([^']*)')/i;

/** Reads one comment's text; undefined when the comment is not a migration-lint annotation. */
export function readWaiverAnnotation(comment: string): WaiverAnnotation {
  const body = comment.replace(/^--/, '').replace(/^\/\*/, '').replace(/\*\/$/, '');
  const match = marker.exec(body);
  if (!match) return undefined;
  const rest = match[1] ?? '';
  const reasonMatch = reasonPattern.exec(rest);
  const reason = (reasonMatch?.[1] ?? reasonMatch?.[2] ?? '').trim();
  const ruleText = (reasonMatch ? rest.slice(0, reasonMatch.index) : rest).trim();
  const names = ruleText
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) return { valid: false, problem: 'names no rule' };
  const unknown = names.filter((name) => !isRuleId(name));
  if (unknown.length > 0) return { valid: false, problem: `names unknown rule(s): ${unknown.join(', ')}` };
  if (!reason) return { valid: false, problem: 'has no reason="…" and is not a waiver' };
  return { valid: true, rules: names as RuleId[], reason };
}
