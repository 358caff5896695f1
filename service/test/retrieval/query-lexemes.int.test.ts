import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providePostgres, type ProvidedPostgres } from '@slipway/harness';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { plainWords, QueryLexemes, serverLexemes, tsvectorOrder } from '../../src/retrieval/query-lexemes.js';

// Every Cranfield question, as the eval and the bench ask them.
const cranfieldQuestions = readFileSync(
  new URL('../../../devtools/test/eval/fixtures/cranfield/cran.qry', import.meta.url),
  'utf8',
)
  .split(/^\.I .*$/m)
  .map((block) => block.replace(/^\s*\.W\s*/, '').trim())
  .filter((q) => q.length > 0);

// Queries built to hit what the composition must get right: stop words, capitals, repeated words, sentence
// punctuation, words whose stems collide, and a few that are not plain words (they go to Postgres whole).
const edgeQueries = [
  'The THE the and of',
  'Flows flowing FLOWED flow, (flows)!',
  'what is a boundary layer? it is thin.',
  'running runners ran; generously generous',
  'high-speed flow',
  "the aircraft's wing",
  'U.S. standards 1962',
  'mach 2.5 flow',
  'naïve café flow',
  'flow.separation at 3 deg',
  '',
  '   ',
  '(((',
];

describe('a query’s lexemes without asking Postgres for each query', () => {
  let postgres: ProvidedPostgres;
  let pool: pg.Pool;
  const queries: { sql: string[] }[] = [];

  beforeAll(async () => {
    postgres = await providePostgres();
    pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
  });

  /** The pool, counting the statements QueryLexemes sends. */
  const countingDb = () => {
    const sent: string[] = [];
    queries.push({ sql: sent });
    return {
      sent,
      db: {
        query: ((text: string, values?: unknown[]) => {
          sent.push(text);
          return pool.query(text, values);
        }) as unknown as pg.Pool['query'],
      },
    };
  };

  it('gives exactly to_tsvector’s lexemes, in its order, for every Cranfield question and the edge cases', async () => {
    expect(cranfieldQuestions.length).toBe(225);
    const { db } = countingDb();
    const lexemes = new QueryLexemes(db);
    for (const query of [...cranfieldQuestions, ...edgeQueries]) {
      expect({ query, lexemes: await lexemes.of(query) }).toEqual({
        query,
        lexemes: await serverLexemes(pool, query),
      });
    }
  });

  it('asks Postgres once per new word, and not at all for a question made of known words', async () => {
    const { db, sent } = countingDb();
    const lexemes = new QueryLexemes(db);
    await lexemes.of('supersonic flow over a heated wing');
    expect(sent).toHaveLength(1);
    expect(lexemes.knownWords).toBe(6);
    await lexemes.of('Heated wing, supersonic flow!');
    await lexemes.of('a wing over supersonic heated flow');
    expect(sent).toHaveLength(1);
    await lexemes.of('wing flutter');
    expect(sent).toHaveLength(2);
    // not plain words: the whole query goes to Postgres, and is then remembered
    await lexemes.of('high-speed wing');
    await lexemes.of('high-speed wing');
    expect(sent).toHaveLength(3);
  });

  it('keeps at most maxWords words', async () => {
    const { db } = countingDb();
    const lexemes = new QueryLexemes(db, { maxWords: 3 });
    await lexemes.of('alpha beta gamma delta epsilon');
    expect(lexemes.knownWords).toBe(3);
    expect(await lexemes.of('alpha beta gamma delta epsilon')).toEqual(
      await serverLexemes(pool, 'alpha beta gamma delta epsilon'),
    );
  });
});

describe('plainWords and tsvectorOrder (pure)', () => {
  it('accepts only runs of ASCII letters between spaces and sentence punctuation', () => {
    expect(plainWords('What is a Wing? (Flutter), flow.')).toEqual([
      'what',
      'is',
      'a',
      'wing',
      'flutter',
      'flow',
    ]);
    expect(plainWords(' ( ) , ')).toEqual([]);
    for (const q of ['high-speed', "wing's", 'a.b', 'mach 2', 'café', 'x_y', 'a/b', 'x'.repeat(101)]) {
      expect(plainWords(q)).toBeUndefined();
    }
  });

  it('orders lexemes by bytes with a prefix first, without repeats', () => {
    expect(tsvectorOrder(['wing', 'flow', 'flo', 'wing', 'a'])).toEqual(['a', 'flo', 'flow', 'wing']);
  });
});
