// Lints a set of migrations (pure: file contents in, violations out).
//
// - Without a base: every file is checked against the rules; tables created earlier in the same file
//   are new, so changing them is safe.
// - With a base (the files as they are on the base branch): files that exist on the base are already
//   applied somewhere and must be byte-identical (forward-only); only files new in this change are
//   checked against the rules, and tables created by any new file count as new.
import { checkStatement, ruleDescriptions, tableRenamedBy, tablesCreatedBy } from './migration-rules.js';
import type { RuleId } from './migration-rules.js';
import type { ParsedComment } from './parse-migration.js';
import { loadSqlParser, parseMigration } from './parse-migration.js';
import { readWaiverAnnotation } from './read-waiver-annotations.js';

export interface MigrationFile {
  /** Path as it should appear in annotations, e.g. migrations/0002_add_tags.sql */
  path: string;
  content: string;
}

export interface Violation {
  file: string;
  line: number;
  rule: RuleId | 'parse-error';
  message: string;
  /** Present when an annotation waives the violation. */
  waiver?: { reason: string; line: number };
}

export interface LintNote {
  file: string;
  line: number;
  message: string;
}

export interface LintResult {
  /** Unwaived violations: each one fails the lint. */
  violations: Violation[];
  waived: Violation[];
  /** Annotations that are malformed or waive nothing. */
  notes: LintNote[];
  filesChecked: number;
}

export interface LintOptions {
  /** Contents on the base ref, keyed by the same `path` as the current files. */
  baseFiles?: ReadonlyMap<string, string>;
}

interface Annotation {
  rules: RuleId[];
  reason: string;
  line: number;
  startByte: number;
  used: boolean;
}

function firstDifferentLine(before: string, after: string): number {
  const a = before.split('\n');
  const b = after.split('\n');
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
  return line + 1;
}

function readAnnotations(file: string, comments: ParsedComment[], notes: LintNote[]): Annotation[] {
  const annotations: Annotation[] = [];
  for (const comment of comments) {
    const annotation = readWaiverAnnotation(comment.text);
    if (!annotation) continue;
    if (!annotation.valid) {
      notes.push({ file, line: comment.line, message: `migration-lint annotation ${annotation.problem}` });
      continue;
    }
    annotations.push({ ...annotation, line: comment.line, startByte: comment.startByte, used: false });
  }
  return annotations;
}

export async function lintMigrations(
  files: readonly MigrationFile[],
  options: LintOptions = {},
): Promise<LintResult> {
  await loadSqlParser();
  const { baseFiles } = options;
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const violations: Violation[] = [];
  const notes: LintNote[] = [];
  const newTables = new Set<string>();
  let filesChecked = 0;

  const currentPaths = new Set(sorted.map((file) => file.path));
  for (const path of baseFiles?.keys() ?? []) {
    if (!currentPaths.has(path)) {
      violations.push({
        file: path,
        line: 1,
        rule: 'edited-migration',
        message: `${path} exists on the base branch but was deleted: ${ruleDescriptions['edited-migration']}`,
      });
    }
  }

  for (const file of sorted) {
    const baseContent = baseFiles?.get(file.path);
    const parsed = parseMigration(file.content);
    const annotations = parsed.ok ? readAnnotations(file.path, parsed.comments, notes) : [];
    const fileViolations: Violation[] = [];

    if (baseContent !== undefined) {
      if (baseContent !== file.content) {
        fileViolations.push({
          file: file.path,
          line: firstDifferentLine(baseContent, file.content),
          rule: 'edited-migration',
          message: `${file.path} was changed after it reached the base branch: ${ruleDescriptions['edited-migration']}`,
        });
        // A file-wide waiver: the annotation may sit anywhere in the file.
        const waiver = annotations.find((annotation) => annotation.rules.includes('edited-migration'));
        const [violation] = fileViolations;
        if (waiver && violation) {
          waiver.used = true;
          violation.waiver = { reason: waiver.reason, line: waiver.line };
        }
      }
      violations.push(...fileViolations);
      continue; // already applied: the rules ran when it was new
    }

    filesChecked += 1;
    if (!parsed.ok) {
      violations.push({ file: file.path, line: parsed.line, rule: 'parse-error', message: parsed.error });
      continue;
    }
    const fileTables = new Set<string>();
    let previousEnd = 0;
    for (const statement of parsed.statements) {
      const isNew = (table: string) => newTables.has(table) || fileTables.has(table);
      for (const hit of checkStatement(statement.node)) {
        if (isNew(hit.table)) continue;
        const violation: Violation = {
          file: file.path,
          line: statement.line,
          rule: hit.rule,
          message: `${hit.message}: ${ruleDescriptions[hit.rule]}`,
        };
        const waiver = annotations.find(
          (annotation) =>
            annotation.rules.includes(hit.rule) &&
            annotation.startByte >= previousEnd &&
            annotation.startByte < statement.endByte,
        );
        if (waiver) {
          waiver.used = true;
          violation.waiver = { reason: waiver.reason, line: waiver.line };
        }
        fileViolations.push(violation);
      }
      for (const table of tablesCreatedBy(statement.node)) fileTables.add(table);
      const renamed = tableRenamedBy(statement.node);
      if (renamed && isNew(renamed[0])) fileTables.add(renamed[1]);
      previousEnd = statement.endByte;
    }
    // Tables created by a new migration are new for every later migration in this change.
    if (baseFiles) for (const table of fileTables) newTables.add(table);
    for (const annotation of annotations) {
      if (!annotation.used) {
        notes.push({
          file: file.path,
          line: annotation.line,
          message: `migration-lint annotation allows ${annotation.rules.join(', ')} but waives nothing (put it directly above the statement)`,
        });
      }
    }
    violations.push(...fileViolations);
  }

  return {
    violations: violations.filter((violation) => !violation.waiver),
    waived: violations.filter((violation) => violation.waiver),
    notes,
    filesChecked,
  };
}

/** One line per violation: `file:line [rule] message`. */
export function formatViolation(violation: Violation): string {
  const waived = violation.waiver ? ` (waived: ${violation.waiver.reason})` : '';
  return `${violation.file}:${violation.line} [${violation.rule}] ${violation.message}${waived}`;
}
