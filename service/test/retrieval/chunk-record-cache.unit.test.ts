import { describe, expect, it } from '@jest/globals';
import type { ChunkRecord } from '../../src/documents/document-store.js';
import { ChunkRecordCache } from '../../src/retrieval/chunk-record-cache.js';

const record = (id: string, text = `text of ${id}`): ChunkRecord => ({
  id,
  documentId: id.split('#')[0]!,
  ordinal: Number(id.split('#')[1] ?? 0),
  text,
  start: 0,
  end: text.length,
  title: null,
  source: null,
});

describe('ChunkRecordCache', () => {
  it('serves records only at the version they were read at', () => {
    const cache = new ChunkRecordCache();
    cache.store('c1', 3, [record('d#0', 'old text'), record('d#1')]);
    const at3 = cache.lookup({ id: 'c1', version: 3 }, ['d#0', 'd#1', 'e#0']);
    expect(at3.found.get('d#0')?.text).toBe('old text');
    expect(at3.missing).toEqual(['e#0']);

    // the collection moved on: nothing of version 3 is served, and it is dropped
    const at4 = cache.lookup({ id: 'c1', version: 4 }, ['d#0']);
    expect(at4.found.size).toBe(0);
    expect(at4.missing).toEqual(['d#0']);
    expect(cache.recordCount).toBe(0);
    cache.store('c1', 4, [record('d#0', 'new text')]);
    expect(cache.lookup({ id: 'c1', version: 4 }, ['d#0']).found.get('d#0')?.text).toBe('new text');
  });

  it('ignores a slower read of an older version once a newer one is held', () => {
    const cache = new ChunkRecordCache();
    cache.store('c1', 5, [record('d#0', 'v5')]);
    cache.store('c1', 4, [record('d#0', 'v4')]);
    expect(cache.lookup({ id: 'c1', version: 5 }, ['d#0']).found.get('d#0')?.text).toBe('v5');
  });

  it('keeps at most maxRecords, dropping the least recently used collection first', () => {
    const cache = new ChunkRecordCache(4);
    cache.store('a', 1, [record('x#0'), record('x#1')]);
    cache.store('b', 1, [record('y#0'), record('y#1')]);
    cache.lookup({ id: 'a', version: 1 }, ['x#0']); // a is now the most recently used
    cache.store('c', 1, [record('z#0')]);
    expect(cache.recordCount).toBe(3);
    expect(cache.lookup({ id: 'b', version: 1 }, ['y#0']).missing).toEqual(['y#0']);
    expect(cache.lookup({ id: 'a', version: 1 }, ['x#0', 'x#1']).missing).toEqual([]);

    // one collection alone over the bound keeps its newest records
    const one = new ChunkRecordCache(2);
    one.store('a', 1, [record('p#0'), record('p#1'), record('p#2')]);
    expect(one.recordCount).toBe(2);
    expect(one.lookup({ id: 'a', version: 1 }, ['p#0', 'p#1', 'p#2']).missing).toEqual(['p#0']);
  });

  it('keeps locally embedded vectors of held records, at their version only, at most a quarter of the size', () => {
    const cache = new ChunkRecordCache(8);
    cache.store('c1', 2, [record('d#0'), record('d#1'), record('d#2')]);
    cache.storeVectors(
      { id: 'c1', version: 2 },
      new Map([
        ['d#0', [1, 0]],
        ['d#1', [0, 1]],
        ['d#2', [1, 1]],
        ['unknown#0', [2, 2]],
      ]),
    );
    // 8 records → 2 vectors at most; an id without a held record is not kept
    expect([...cache.vectorsAt({ id: 'c1', version: 2 }, ['d#0', 'd#1', 'd#2', 'unknown#0']).keys()]).toEqual(
      ['d#0', 'd#1'],
    );
    expect(cache.vectorsAt({ id: 'c1', version: 3 }, ['d#0']).size).toBe(0);
    cache.storeVectors({ id: 'c1', version: 1 }, new Map([['d#2', [1, 1]]]));
    expect(cache.vectorsAt({ id: 'c1', version: 2 }, ['d#2']).size).toBe(0);

    // the collection moves on: its vectors go with its records, and room is free again
    cache.lookup({ id: 'c1', version: 3 }, ['d#0']);
    cache.store('c1', 3, [record('d#0', 'new text')]);
    expect(cache.vectorsAt({ id: 'c1', version: 3 }, ['d#0']).size).toBe(0);
    cache.storeVectors({ id: 'c1', version: 3 }, new Map([['d#0', [3, 3]]]));
    expect(cache.vectorsAt({ id: 'c1', version: 3 }, ['d#0']).get('d#0')).toEqual([3, 3]);
  });

  it('forgets a dropped collection, and holds nothing with a size of 0', () => {
    const cache = new ChunkRecordCache();
    cache.store('a', 1, [record('x#0')]);
    cache.drop('a');
    expect(cache.lookup({ id: 'a', version: 1 }, ['x#0']).missing).toEqual(['x#0']);
    const off = new ChunkRecordCache(0);
    off.store('a', 1, [record('x#0')]);
    expect(off.recordCount).toBe(0);
  });
});
