// The result-file schema every earlier step writes for the PR report (documented in README.md):
//
//   { "kind": "jest" | "coverage" | "scan" | "eval" | "image" | "generic",
//     "title": "Unit tests", "status": "pass" | "fail" | "info",
//     "summary": "412 passed, 0 failed",            // one line, markdown allowed
//     "details": "optional markdown, shown folded",
//     "url": "optional link, e.g. to the run or artifact" }
//
// A file holds one result or an array of results.

export const resultKinds = ['jest', 'coverage', 'scan', 'eval', 'image', 'generic'] as const;
export const resultStatuses = ['pass', 'fail', 'info'] as const;

export type ResultKind = (typeof resultKinds)[number];
export type ResultStatus = (typeof resultStatuses)[number];

export interface ReportResult {
  kind: ResultKind;
  title: string;
  status: ResultStatus;
  summary: string;
  details?: string;
  url?: string;
  /** The file the result came from. */
  source: string;
}

export interface InvalidResultFile {
  source: string;
  errors: string[];
}

const allowedKeys = ['kind', 'title', 'status', 'summary', 'details', 'url'];

function validateOne(
  value: unknown,
  where: string,
): { result?: Omit<ReportResult, 'source'>; errors: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { errors: [`${where}: expected an object`] };
  }
  const record = value as Record<string, unknown>;
  const errors: string[] = [];
  if (!(resultKinds as readonly unknown[]).includes(record.kind)) {
    errors.push(`${where}: "kind" must be one of ${resultKinds.join(', ')}`);
  }
  if (!(resultStatuses as readonly unknown[]).includes(record.status)) {
    errors.push(`${where}: "status" must be one of ${resultStatuses.join(', ')}`);
  }
  for (const key of ['title', 'summary'] as const) {
    if (typeof record[key] !== 'string' || !(record[key] as string).trim()) {
      errors.push(`${where}: "${key}" must be a non-empty string`);
    }
  }
  for (const key of ['details', 'url'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'string')
      errors.push(`${where}: "${key}" must be a string`);
  }
  if (typeof record.url === 'string' && !/^https?:\/\//.test(record.url)) {
    errors.push(`${where}: "url" must be an http(s) URL`);
  }
  const unknown = Object.keys(record).filter((key) => !allowedKeys.includes(key));
  if (unknown.length > 0) errors.push(`${where}: unknown field(s) ${unknown.join(', ')}`);
  if (errors.length > 0) return { errors };
  const result: Omit<ReportResult, 'source'> = {
    kind: record.kind as ResultKind,
    title: (record.title as string).trim(),
    status: record.status as ResultStatus,
    summary: (record.summary as string).trim(),
  };
  if (typeof record.details === 'string' && record.details.trim()) result.details = record.details;
  if (typeof record.url === 'string') result.url = record.url;
  return { result, errors: [] };
}

/** Validates a result file's text; returns its results, or why it is invalid. */
export function readResultFile(
  text: string,
  source: string,
): { results: ReportResult[]; invalid?: InvalidResultFile } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { results: [], invalid: { source, errors: [`invalid JSON: ${(error as Error).message}`] } };
  }
  const entries = Array.isArray(document) ? document : [document];
  const results: ReportResult[] = [];
  const errors: string[] = [];
  entries.forEach((entry, index) => {
    const checked = validateOne(entry, Array.isArray(document) ? `[${index}]` : 'result');
    if (checked.result) results.push({ ...checked.result, source });
    errors.push(...checked.errors);
  });
  return errors.length > 0 ? { results, invalid: { source, errors } } : { results };
}
