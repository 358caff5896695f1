import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatFromFileName, normalizeWhitespace } from '../../src/text/normalize-document.js';
import { normalizeDocument } from '../../src/text/structure-text.js';

const markdownToText = (markdown: string) => normalizeDocument(markdown, 'markdown');
const htmlToPlainText = (html: string) => normalizeDocument(html, 'html');

describe('normalizeWhitespace', () => {
  it('collapses spaces, trims lines and keeps one blank line between paragraphs', () => {
    expect(normalizeWhitespace('  a \t b  \r\n\r\n\r\n\n c\u00a0d \n')).toBe('a b\n\nc d');
  });

  it('replaces control characters', () => {
    expect(normalizeWhitespace('a\u0000b\u0007c')).toBe('a b c');
  });

  /** The rules as six regular-expression replacements: what the one-pass normaliser must equal. */
  const byRegularExpressions = (text: string) =>
    text
      .normalize('NFC')
      .replace(/\r\n?/g, '\n')
      .replace(/\p{Cc}/gu, (c) => (c === '\n' ? c : ' '))
      .replace(/[\t \u00a0\u2000-\u200b\u2028\u2029\u3000\ufeff]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();

  it('equals the rules written as regular-expression replacements, on any text', () => {
    // every kind of separator the rules name, their neighbours, and combining marks for NFC, often
    const tricky = fc.constantFrom(
      ...[' ', '\t', '\n', '\r', '\r\n', '\u0000', '\u0007', '\u000b', '\u007f', '\u0085', '\u009f'],
      ...['\u00a0', '\u1680', '\u2000', '\u200a', '\u200b', '\u200c', '\u2028', '\u2029', '\u202f'],
      ...['\u205f', '\u3000', '\ufeff', 'e\u0301', '\u00e9', '\ud800', 'a', 'Z', '.', '日'],
    );
    const text = fc.oneof(
      fc.array(tricky, { maxLength: 60 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    fc.assert(
      fc.property(text, (input) => {
        expect(normalizeWhitespace(input)).toBe(byRegularExpressions(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const once = normalizeWhitespace(text);
        expect(normalizeWhitespace(once)).toBe(once);
      }),
    );
  });
});

describe('markdownToText', () => {
  it('drops markup and keeps the words', () => {
    const text = markdownToText(
      [
        '# Rolling back',
        '',
        'Run **`npm run deploy`** with the [previous tag](https://example.com).',
        '',
        '- first item',
        '- second *item*',
        '',
        '```sh',
        'echo hi',
        '```',
        '',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
        '',
        '> quoted <b>bold</b>',
      ].join('\n'),
    );
    expect(text).toBe(
      'Rolling back\n\nRun npm run deploy with the previous tag.\n\nfirst item\nsecond item\n\necho hi\n\n' +
        'a | b\n1 | 2\n\nquoted bold',
    );
  });
});

describe('htmlToPlainText', () => {
  it('keeps text, drops scripts, styles, images and hrefs', () => {
    const text = htmlToPlainText(
      '<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Title</h1>' +
        '<p>Hello <a href="https://x.test">world</a> &amp; friends.<img src="x.png"></p><p>Two</p></body></html>',
    );
    expect(text).toBe('Title\n\nHello world & friends.\n\nTwo');
  });
});

describe('normalizeDocument', () => {
  it('dispatches on format', () => {
    expect(normalizeDocument('*a*  b', 'markdown')).toBe('a b');
    expect(normalizeDocument('<i>a</i>  b', 'html')).toBe('a b');
    expect(normalizeDocument('*a*  b')).toBe('*a* b');
  });

  it('guesses formats from file names', () => {
    expect(formatFromFileName('docs/README.md')).toBe('markdown');
    expect(formatFromFileName('page.HTML')).toBe('html');
    expect(formatFromFileName('notes.txt')).toBe('text');
  });
});
