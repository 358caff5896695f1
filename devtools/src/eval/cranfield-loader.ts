import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CranfieldDocument {
  id: string;
  title: string;
  /** The abstract (`.W`). */
  body: string;
}

export interface CranfieldQuery {
  /** 1-based position in cran.qry: the number the judgements use (the `.I` numbers are sparse). */
  id: string;
  text: string;
}

export interface RelevanceJudgement {
  queryId: string;
  documentId: string;
  /** 1 (complete answer) … 4 (minimal interest), or -1 (the line each query has for its source document). */
  code: number;
}

export interface CranfieldCollection {
  documents: CranfieldDocument[];
  queries: CranfieldQuery[];
  judgements: RelevanceJudgement[];
}

/** The collection vendored with the tests (see its README for provenance). */
export const DEFAULT_CRANFIELD_DIR = fileURLToPath(
  new URL('../../test/eval/fixtures/cranfield/', import.meta.url),
);

/** Records of a SMART-format file: `.I n` starts one, `.X` lines start its fields. */
function parseSmart(text: string): { id: string; fields: Map<string, string> }[] {
  const records: { id: string; fields: Map<string, string> }[] = [];
  let field: string | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const start = /^\.I\s+(\S+)/.exec(line);
    if (start) {
      records.push({ id: start[1]!, fields: new Map() });
      field = null;
      continue;
    }
    const marker = /^\.([A-Z])\s*$/.exec(line);
    const record = records.at(-1);
    if (marker) {
      field = marker[1]!;
      record?.fields.set(field, '');
      continue;
    }
    if (record && field) record.fields.set(field, `${record.fields.get(field)}${line}\n`);
  }
  return records;
}

const clean = (text: string | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

export function parseCranfieldDocuments(text: string): CranfieldDocument[] {
  return parseSmart(text).map((r) => ({
    id: String(Number(r.id)),
    title: clean(r.fields.get('T')),
    body: clean(r.fields.get('W')),
  }));
}

/** Queries numbered 1…n in file order, as the judgements number them. */
export function parseCranfieldQueries(text: string): CranfieldQuery[] {
  return parseSmart(text).map((r, i) => ({ id: String(i + 1), text: clean(r.fields.get('W')) }));
}

export function parseCranfieldJudgements(text: string): RelevanceJudgement[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length >= 3)
    .map(([queryId, documentId, code]) => ({
      queryId: queryId!,
      documentId: documentId!,
      code: Number(code),
    }));
}

export async function loadCranfield(dir: string = DEFAULT_CRANFIELD_DIR): Promise<CranfieldCollection> {
  const [docs, queries, qrels] = await Promise.all(
    ['cran.all.1400', 'cran.qry', 'cranqrel'].map((name) => readFile(join(dir, name), 'utf8')),
  );
  return {
    documents: parseCranfieldDocuments(docs!),
    queries: parseCranfieldQueries(queries!),
    judgements: parseCranfieldJudgements(qrels!),
  };
}

/**
 * Relevant documents per query under binary relevance: codes 1–4 are relevant; the -1 line (most likely the
 * document the question was written from) is left out, as the collection's README asks.
 */
export function relevantDocumentsByQuery(
  judgements: readonly RelevanceJudgement[],
): Map<string, Set<string>> {
  const relevant = new Map<string, Set<string>>();
  for (const { queryId, documentId, code } of judgements) {
    if (code < 1 || code > 4) continue;
    let set = relevant.get(queryId);
    if (!set) relevant.set(queryId, (set = new Set()));
    set.add(documentId);
  }
  return relevant;
}
