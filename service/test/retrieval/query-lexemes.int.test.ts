import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
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
  // pieces the parser reads as compound or special tokens: composed per piece
  'two-dimensional re-entry of a non-circular body, i.e. (chapman-enskog) -dash',
  "kuchemann's can't o'neill's multhopp's",
  'mach -2.5e3 at 1.5.2 and 10,000 ft/s 3/4',
  'see http://example.com/a/b?c=d and mail x.y@example.org about /usr/local/file.txt',
  'CO2 h2o M2 F-104 x-15a',
  'Zürich naïve résumé Ørsted',
  'tab\tseparated\nlines\r\nand\u00a0nbsp\u2003em space',
  '"quoted" [bracketed] {braced} |piped| +plus +1 -minus -1 ~tilde #hash $5 100% ^caret *star',
  // tags and entities go to Postgres whole: a tag's attributes may hold spaces
  '<b class="x y">bold</b> flow',
  'heat &amp; mass transfer',
  'a < b > c',
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

  it('composes exactly what Postgres parses whole, for random queries of tricky pieces and blanks', async () => {
    const piece = fc.constantFrom(
      'flow',
      'Wing,',
      '(heat',
      'the',
      'high-speed',
      're-entry',
      '-dash',
      '~tilde',
      '~',
      '-1',
      '+2',
      '1.5',
      '2.5e3',
      '1.5.2',
      '10,000',
      'ft/s',
      '/usr/x',
      'a/b',
      'U.S.',
      'i.e.',
      "can't",
      "o'neill's",
      'x.y@ex.org',
      'http://ex.com/a?b=c',
      'ex.com',
      'F-104',
      'x-15a',
      'CO2',
      'naïve',
      'Zürich',
      '"quoted"',
      '[b]',
      '#h',
      '$5',
      '100%',
      '...',
      '-',
      '.',
      ',',
      '?',
      'a-',
      '-a',
      'a.',
      '.a',
      '_x_',
      'x_y',
      "'",
      '’',
      'a’s',
    );
    const blank = fc.constantFrom(' ', '  ', '\t', '\n', ' \r\n ');
    const query = fc
      .tuple(fc.boolean(), fc.array(fc.tuple(piece, blank), { minLength: 1, maxLength: 8 }), fc.boolean())
      .map(([lead, parts, trail]) => {
        const text = parts.map(([p, b]) => p + b).join('');
        return (lead ? ' ' : '') + (trail ? text : text.trimEnd());
      });
    const lexemes = new QueryLexemes(pool);
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        expect({ q, lexemes: await lexemes.of(q) }).toEqual({ q, lexemes: await serverLexemes(pool, q) });
      }),
      { numRuns: 400 },
    );
  });

  it('asks Postgres once per new word or piece, and not at all for a question made of known ones', async () => {
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
    // a piece that is not a plain word is learnt as written, with its surroundings, once
    await lexemes.of('supersonic high-speed wing');
    await lexemes.of('a high-speed wing flutter');
    expect(sent).toHaveLength(3);
    await lexemes.of('wing flutter at high-speed'); // at the end of the text: another context
    expect(sent).toHaveLength(4);
    await lexemes.of('a High-speed wing');
    expect(sent).toHaveLength(5);
    // a tag or an entity sends the whole query, which is then remembered
    await lexemes.of('heat &amp; wing');
    await lexemes.of('heat &amp; wing');
    expect(sent).toHaveLength(6);
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
