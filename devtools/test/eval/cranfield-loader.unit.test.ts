import { describe, expect, it } from '@jest/globals';
import {
  loadCranfield,
  parseCranfieldDocuments,
  parseCranfieldJudgements,
  parseCranfieldQueries,
  relevantDocumentsByQuery,
} from '../../src/eval/cranfield-loader.js';

describe('Cranfield loader', () => {
  it('parses SMART records', () => {
    const docs = parseCranfieldDocuments(
      '.I 1\n.T\nwing\nstudy .\n.A\nsomeone\n.B\nj. 1\n.W\nwing\nstudy .\n  body text\n.I 2\n.T\n.W\n',
    );
    expect(docs).toEqual([
      { id: '1', title: 'wing study .', body: 'wing study . body text' },
      { id: '2', title: '', body: '' },
    ]);
  });

  it('numbers queries by file position, not by their sparse .I numbers', () => {
    const queries = parseCranfieldQueries('.I 001\n.W\nfirst ?\n.I 004\n.W\nsecond\nline .\n');
    expect(queries).toEqual([
      { id: '1', text: 'first ?' },
      { id: '2', text: 'second line .' },
    ]);
  });

  it('treats codes 1-4 as relevant and leaves out the -1 lines', () => {
    const judgements = parseCranfieldJudgements('1 184 2\n1 29 -1\n1 31 4 \n2 5 1\n\n');
    expect(judgements).toHaveLength(4);
    const relevant = relevantDocumentsByQuery(judgements);
    expect([...relevant.get('1')!]).toEqual(['184', '31']);
    expect([...relevant.get('2')!]).toEqual(['5']);
  });

  it('loads the vendored collection', async () => {
    const collection = await loadCranfield();
    expect(collection.documents).toHaveLength(1400);
    expect(collection.queries).toHaveLength(225);
    expect(collection.judgements.filter((j) => j.code === -1)).toHaveLength(225);
    expect(relevantDocumentsByQuery(collection.judgements).size).toBe(225);
  });
});
