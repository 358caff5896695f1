import { describe, expect, it } from '@jest/globals';
import { buildKeywordSearchSql } from '../../src/ranking/keyword-query-sql.js';

describe('buildKeywordSearchSql', () => {
  it('builds BM25 over the tsvector with the scope applied to statistics and matches (df comes from matches)', () => {
    const sql = buildKeywordSearchSql({
      where: 'c.collection_id = $3',
      lengthExpression: 'c.end_offset - c.start_offset',
    });
    expect(sql.match(/c\.collection_id = \$3/g)).toHaveLength(2);
    expect(sql).toMatch(/matches AS MATERIALIZED/);
    expect(sql).toContain("to_tsvector('english', $1)");
    expect(sql).toContain('LIMIT $2');
    expect(sql).toContain('c.end_offset - c.start_offset');
  });

  it('builds the cover-density variant', () => {
    const sql = buildKeywordSearchSql({ ranking: 'cover-density', table: 'public.chunks' });
    expect(sql).toContain('ts_rank_cd(c.tsv, q.query, 1)');
    expect(sql).toContain("websearch_to_tsquery('english', $1)");
    expect(sql).toContain('FROM public.chunks c');
  });

  it('rejects identifiers that are not plain names', () => {
    expect(() => buildKeywordSearchSql({ table: 'chunks; DROP TABLE x' })).toThrow();
    expect(() => buildKeywordSearchSql({ tsvColumn: 'tsv)' })).toThrow();
  });
});
