// Parses one SQL migration with PostgreSQL's own parser (libpg-query, compiled to WASM) and returns
// its statements and comments with 1-based line numbers. Locations from the parser are byte offsets.
import { loadModule, parseSync, scanSync } from 'libpg-query';

export interface ParsedStatement {
  /** The statement's node, e.g. { AlterTableStmt: {...} } */
  node: Record<string, unknown>;
  /** Byte range of the statement text (first token to end, without the semicolon). */
  startByte: number;
  endByte: number;
  line: number;
}

export interface ParsedComment {
  text: string;
  startByte: number;
  line: number;
}

export type ParsedMigration =
  | { ok: true; statements: ParsedStatement[]; comments: ParsedComment[] }
  | { ok: false; error: string; line: number };

let parserReady: Promise<void> | undefined;

/** Loads the WASM parser once; every parse function below needs it. */
export function loadSqlParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

/** 1-based line of a byte offset. */
export function lineAtByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  const end = Math.min(offset, bytes.length);
  for (let index = 0; index < end; index += 1) if (bytes[index] === 0x0a) line += 1;
  return line;
}

interface RawStatement {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

interface RawToken {
  start: number;
  text: string;
  tokenName: string;
}

/** Requires loadSqlParser() to have resolved. */
export function parseMigration(sql: string): ParsedMigration {
  const bytes = Buffer.from(sql, 'utf8');
  let raw: { stmts?: RawStatement[] };
  try {
    raw = parseSync(sql) as { stmts?: RawStatement[] };
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const position = details?.cursorPosition ?? 0;
    // cursorPosition is a character offset into the query.
    return {
      ok: false,
      error: (error as Error).message,
      line: lineAtByte(Buffer.from(sql.slice(0, position), 'utf8'), Number.MAX_SAFE_INTEGER),
    };
  }
  const statements: ParsedStatement[] = (raw.stmts ?? []).map((entry) => {
    let startByte = entry.stmt_location ?? 0;
    // Before PostgreSQL 18 the location could include leading blanks; skip them for the line number.
    while (startByte < bytes.length && /\s/.test(String.fromCharCode(bytes[startByte] ?? 0))) startByte += 1;
    const endByte = entry.stmt_len ? (entry.stmt_location ?? 0) + entry.stmt_len : bytes.length;
    return { node: entry.stmt ?? {}, startByte, endByte, line: lineAtByte(bytes, startByte) };
  });
  const tokens = (scanSync(sql) as { tokens: RawToken[] }).tokens;
  const comments: ParsedComment[] = tokens
    .filter((token) => token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT')
    .map((token) => ({ text: token.text, startByte: token.start, line: lineAtByte(bytes, token.start) }));
  return { ok: true, statements, comments };
}
