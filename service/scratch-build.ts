import pg from 'pg';
import { createEvalDatabase, createPostgresKeywordIndex } from './src/eval/postgres-keyword-index.js';
import { loadCranfield } from './src/eval/cranfield-loader.js';
import { normalizeDocument } from './src/rag/normalize-document.js';
import { chunkText, DEFAULT_CHUNK_OPTIONS } from './src/rag/chunk-text.js';
import { loadKeywordIndex } from './src/retrieval/keyword-index-source.js';
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
  const id = rows[0].id;
  for (const [name, sql] of [
    ['lateral', `SELECT c.id, c.end_offset - c.start_offset AS length, l.lexemes, l.frequencies FROM chunks c CROSS JOIN LATERAL (SELECT array_agg(u.lexeme) AS lexemes, array_agg(coalesce(cardinality(u.positions), 0)) AS frequencies FROM unnest(c.tsv) u) l WHERE c.collection_id = $1 ORDER BY c.id`],
    ['tsvtext', `SELECT c.id, c.end_offset - c.start_offset AS length, c.tsv::text AS tsv FROM chunks c WHERE c.collection_id = $1 ORDER BY c.id`],
    ['lateral-text', `SELECT c.id, c.end_offset - c.start_offset AS length, l.lexemes::text, l.frequencies::text FROM chunks c CROSS JOIN LATERAL (SELECT array_agg(u.lexeme) AS lexemes, array_agg(coalesce(cardinality(u.positions), 0)) AS frequencies FROM unnest(c.tsv) u) l WHERE c.collection_id = $1 ORDER BY c.id`],
  ]) {
    for (let r = 0; r < 2; r++) { const t = performance.now(); await pool.query(sql!, [id]); console.log(name, performance.now() - t); }
  }
  for (let r = 0; r < 2; r++) { const t = performance.now(); await loadKeywordIndex(pool, id); console.log('full', performance.now() - t); }
  await pool.end(); await index.close();
} finally { await db.stop(); }
