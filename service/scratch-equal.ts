import pg from 'pg';
import { createEvalDatabase, createPostgresKeywordIndex } from './src/eval/postgres-keyword-index.js';
import { loadCranfield } from './src/eval/cranfield-loader.js';
import { normalizeDocument } from './src/rag/normalize-document.js';
import { chunkText, DEFAULT_CHUNK_OPTIONS } from './src/rag/chunk-text.js';
import { loadKeywordIndex, queryLexemes } from './src/retrieval/keyword-index-source.js';

const db = await createEvalDatabase('postgres://postgres@127.0.0.1:5432/postgres');
try {
  const index = await createPostgresKeywordIndex(db.url);
  const c = await loadCranfield();
  const documents = c.documents.map((d) => {
    const text = normalizeDocument(`${d.title}\n\n${d.body}`, 'text');
    const chunks = chunkText(text, DEFAULT_CHUNK_OPTIONS).map((x) => ({ ...x, id: `${d.id}:${x.index}` }));
    return { id: d.id, title: d.title, text, chunks };
  });
  await index.addDocuments(documents);
  const pool = new pg.Pool({ connectionString: db.url });
  const { rows } = await pool.query('SELECT id FROM collections');
  let t = performance.now();
  const built = (await loadKeywordIndex(pool, rows[0].id))!;
  console.log('build ms', performance.now() - t, 'chunks', built.index.size, 'bytes', built.index.typedArrayBytes);
  const queries = c.queries.map((q) => q.text);
  t = performance.now();
  const sql = await index.search(queries, 100, { concurrency: 1 });
  console.log('sql ms/query', (performance.now() - t) / queries.length);
  let equal10 = 0, equal100 = 0, maxdiff = 0;
  const lex = await Promise.all(queries.map((q) => queryLexemes(pool, q)));
  t = performance.now();
  const mem = lex.map((l) => built.index.search(l, 100));
  console.log('mem ms/query', (performance.now() - t) / queries.length);
  for (let r = 0; r < 3; r++) { t = performance.now(); const ts: number[] = []; for (const l of lex) { const s0 = performance.now(); built.index.search(l, 100); ts.push(performance.now() - s0); } ts.sort((a,b)=>a-b); console.log('pass', r, 'mean', (performance.now()-t)/lex.length, 'p50', ts[ts.length>>1], 'p99', ts[Math.floor(ts.length*0.99)]); }
  for (let r = 0; r < 2; r++) { t = performance.now(); await loadKeywordIndex(pool, rows[0].id); console.log('rebuild ms', performance.now() - t); }
  queries.forEach((q, i) => {
    const a = sql[i]!.map((h) => h.id), b = mem[i]!.map((h) => h.id);
    if (JSON.stringify(a.slice(0, 10)) === JSON.stringify(b.slice(0, 10))) equal10++; else console.log('diff10', i, a.slice(0,10), b.slice(0,10));
    if (JSON.stringify(a) === JSON.stringify(b)) equal100++;
    sql[i]!.forEach((h, j) => { if (mem[i]![j]?.id === h.id) maxdiff = Math.max(maxdiff, Math.abs(h.score - mem[i]![j]!.score)); });
  });
  console.log({ equal10, equal100, n: queries.length, maxdiff });
  await pool.end(); await index.close();
} finally { await db.stop(); }
