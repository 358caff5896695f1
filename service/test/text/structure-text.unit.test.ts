import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalizeWhitespace } from '../../src/text/normalize-document.js';
import { outlineOf, readOutline } from '../../src/text/document-outline.js';
import { structureDocument, type StructuredText } from '../../src/text/structure-text.js';

const blocksOf = (s: StructuredText) => s.blocks.map((b) => [b.kind, s.text.slice(b.start, b.end)]);

describe('structureDocument (markdown)', () => {
  const markdown = [
    '# Runbook: roll back a deploy',
    '',
    'Run the deploy workflow with `command: rollback`',
    '(Actions → deploy → Run workflow). Production rollbacks',
    'need the same approval.',
    '',
    '## Steps',
    '',
    '- first item,',
    '  wrapped onto a second line',
    '- second *item*',
    '',
    '```sh',
    'docker start   blue',
    'curl -fsS http://localhost/health/ready',
    '```',
    '',
    '| Setting | Default |',
    '|---|---|',
    '| PORT | 3000 |',
    '',
    '> A quoted',
    '> line.',
  ].join('\n');

  it('unwraps hard-wrapped paragraphs and keeps headings, list items, code and table rows as blocks', () => {
    const structured = structureDocument(markdown, 'markdown');
    expect(blocksOf(structured)).toEqual([
      ['heading', 'Runbook: roll back a deploy'],
      [
        'paragraph',
        'Run the deploy workflow with command: rollback (Actions → deploy → Run workflow). Production rollbacks need the same approval.',
      ],
      ['heading', 'Steps'],
      ['list-item', 'first item, wrapped onto a second line'],
      ['list-item', 'second item'],
      ['code', 'docker start blue\ncurl -fsS http://localhost/health/ready'],
      ['table-header', 'Setting | Default'],
      ['table-row', 'PORT | 3000'],
      ['paragraph', 'A quoted line.'],
    ]);
    // blocks are separated by a blank line; items of one list and rows of one table by a line break
    expect(structured.text).toContain(
      'Steps\n\nfirst item, wrapped onto a second line\nsecond item\n\ndocker',
    );
    expect(structured.text).toContain('Setting | Default\nPORT | 3000');
  });

  it('keeps a hard line break (two trailing spaces) inside a paragraph', () => {
    expect(blocksOf(structureDocument('one  \ntwo', 'markdown'))).toEqual([['paragraph', 'one\ntwo']]);
  });

  it('blocks are exact, trimmed, in order and the text is already normalised (property)', () => {
    const line = fc.stringMatching(/^[A-Za-z .,!?`*_#>|-]{0,40}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const structured = structureDocument(lines.join('\n'), 'markdown');
        expect(normalizeWhitespace(structured.text)).toBe(structured.text);
        let previousEnd = 0;
        for (const block of structured.blocks) {
          const slice = structured.text.slice(block.start, block.end);
          expect(slice.length).toBeGreaterThan(0);
          expect(slice.trim()).toBe(slice);
          expect(block.start).toBeGreaterThanOrEqual(previousEnd);
          previousEnd = block.end;
        }
        // every non-space character of the text lies inside a block
        const covered = new Array<boolean>(structured.text.length).fill(false);
        for (const b of structured.blocks) for (let i = b.start; i < b.end; i++) covered[i] = true;
        [...structured.text].forEach((c, i) => {
          if (!/\s/.test(c)) expect(covered[i]).toBe(true);
        });
      }),
    );
  });
});

describe('structureDocument (html and text)', () => {
  it('gives HTML the same blocks: headings, unwrapped paragraphs, list items, code', () => {
    const structured = structureDocument(
      '<html><head><title>T</title><style>p{}</style><script>x()</script></head><body>' +
        '<h2>Roll back</h2><p>Run the\n   workflow with <code>command: rollback</code>.</p>' +
        '<ol><li>one</li><li>two <b>bold</b></li></ol><pre>a  b\nc</pre></body></html>',
      'html',
    );
    expect(blocksOf(structured)).toEqual([
      ['heading', 'Roll back'],
      ['paragraph', 'Run the workflow with command: rollback.'],
      ['list-item', 'one'],
      ['list-item', 'two bold'],
      ['code', 'a b\nc'],
    ]);
  });

  it('keeps plain text as written, one block per paragraph', () => {
    expect(blocksOf(structureDocument('first line\nsecond line\n\n\nnext', 'text'))).toEqual([
      ['paragraph', 'first line\nsecond line'],
      ['paragraph', 'next'],
    ]);
  });
});

describe('document outlines', () => {
  it('round-trips, keeping heading text', () => {
    const structured = structureDocument('# Title\n\nBody text.', 'markdown');
    const stored = JSON.parse(JSON.stringify(outlineOf(structured)));
    expect(readOutline(stored)).toEqual([
      { kind: 'heading', start: 0, end: 5, heading: 'Title' },
      { kind: 'paragraph', start: 7, end: 17 },
    ]);
  });

  it('reads anything malformed as no outline', () => {
    for (const bad of [null, {}, [['nope', 0, 1]], [['heading', 2, 1]], [['paragraph', 'a', 1]], ['x']])
      expect(readOutline(bad)).toBeUndefined();
  });
});
