import { describe, expect, it } from '@jest/globals';
import { parseTsvector } from '../../src/ranking/parse-tsvector.js';

describe('parseTsvector', () => {
  it('reads lexemes and counts their positions, weights or not', () => {
    expect(parseTsvector("'flow':3B 'wing':1B,2B,7")).toEqual({
      lexemes: ['flow', 'wing'],
      frequencies: [1, 3],
    });
  });

  it('unescapes doubled quotes and backslashes, and counts a lexeme without positions as 0', () => {
    // as Postgres prints $$'it''s':1A,3 'back\\slash':2 'nopos'$$::tsvector
    expect(parseTsvector("'back\\\\slash':2 'it''s':1A,3 'nopos'")).toEqual({
      lexemes: ['back\\slash', "it's", 'nopos'],
      frequencies: [1, 2, 0],
    });
    expect(parseTsvector("'''':1 'a''''b':2,3")).toEqual({ lexemes: ["'", "a''b"], frequencies: [1, 2] });
  });

  it('reads an empty tsvector and rejects text that is not one', () => {
    expect(parseTsvector('')).toEqual({ lexemes: [], frequencies: [] });
    expect(() => parseTsvector('flow:1')).toThrow();
    expect(() => parseTsvector("'flow:1")).toThrow();
  });
});
