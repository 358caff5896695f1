import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HYBRID_DEFAULTS } from '../../src/ranking/hybrid-retrieval.js';
import {
  candidateCount,
  canonicalJson,
  chromaWhere,
  hydrationCount,
  keywordSearchStatement,
  MMR_POOL,
  requestDigest,
  selectResults,
} from '../../src/retrieval/search-plan.js';

describe('search plan', () => {
  it('hybrid fetches the evaluated candidate count; single modes enough for suppression and MMR', () => {
    expect(candidateCount({ query: 'q', topK: 10, mode: 'hybrid' })).toBe(HYBRID_DEFAULTS.candidates);
    expect(candidateCount({ query: 'q', topK: 5, mode: 'keyword' })).toBe(15);
    expect(candidateCount({ query: 'q', topK: 5, mode: 'vector', mmr: { lambda: 0.5 } })).toBe(MMR_POOL);
    expect(candidateCount({ query: 'q', topK: 50, mode: 'vector' })).toBe(100);
    expect(hydrationCount({ query: 'q', topK: 2, mode: 'hybrid' }, 100)).toBe(6);
    expect(hydrationCount({ query: 'q', topK: 2, mode: 'hybrid', mmr: { lambda: 1 } }, 30)).toBe(30);
  });

  it('filters keyword SQL by containment on document metadata, only when a filter is given', () => {
    const plain = keywordSearchStatement('roll back', 10, 'cid', undefined);
    expect(plain.values).toEqual(['roll back', 10, 'cid']);
    expect(plain.text).toContain('c.collection_id = $3');
    expect(plain.text).not.toContain('$4');
    const filtered = keywordSearchStatement('roll back', 10, 'cid', { team: 'sre', tier: 1 });
    expect(filtered.values[3]).toBe('{"team":"sre","tier":1}');
    expect(filtered.text).toContain('d.metadata @> $4::jsonb');
    expect(keywordSearchStatement('x', 1, 'c', {}).values).toHaveLength(3);
  });

  it('maps the filter onto the prefixed Chroma metadata', () => {
    expect(chromaWhere(undefined)).toBeUndefined();
    expect(chromaWhere({})).toBeUndefined();
    expect(chromaWhere({ team: 'sre' })).toEqual({ m_team: { $eq: 'sre' } });
    expect(chromaWhere({ tier: 1, live: true })).toEqual({
      $and: [{ m_live: { $eq: true } }, { m_tier: { $eq: 1 } }],
    });
  });

  it('gives equal requests equal digests regardless of key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (filter) => {
        const reversed = Object.fromEntries(Object.entries(filter).reverse());
        expect(canonicalJson({ a: 1, filter })).toBe(canonicalJson({ filter: reversed, a: 1 }));
        expect(requestDigest({ query: 'q', filter })).toBe(requestDigest({ filter: reversed, query: 'q' }));
      }),
    );
    expect(requestDigest({ query: 'a' })).not.toBe(requestDigest({ query: 'b' }));
  });

  it('drops near-duplicates, then takes the top K; MMR picks a different second result', () => {
    const ranked = [
      { id: 'a', score: 3, text: 'the retrieval cache keeps results keyed by version', vector: [1, 0, 0] },
      {
        id: 'a2',
        score: 2.9,
        text: 'the retrieval cache keeps results keyed by version!',
        vector: [1, 0, 0],
      },
      {
        id: 'b',
        score: 2.5,
        text: 'search results live in the cache under the version',
        vector: [0.6, 0.8, 0],
      },
      { id: 'c', score: 1, text: 'rate limits fall back to memory', vector: [0, 0, 1] },
    ];
    expect(selectResults(ranked, { topK: 2 }).map((r) => r.id)).toEqual(['a', 'b']);
    expect(selectResults(ranked, { topK: 2, mmr: { lambda: 0.3 } }).map((r) => r.id)).toEqual(['a', 'c']);
    expect(selectResults(ranked, { topK: 10, mmr: { lambda: 1 } }).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
