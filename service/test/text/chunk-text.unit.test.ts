import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { chunkText } from '../../src/text/chunk-text.js';
import { splitSentences } from '../../src/text/split-sentences.js';

const sentence = fc
  .array(
    fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'e.g.', 'x', 'averyveryverylongwordwithoutanybreaks'),
    {
      minLength: 1,
      maxLength: 25,
    },
  )
  .map((words) => `${words.join(' ')}${['.', '!', '?', ''][words.length % 4]}`);
const document = fc
  .array(fc.tuple(sentence, fc.constantFrom(' ', '  ', '\n', '\n\n', ' \n\n ')), { maxLength: 40 })
  .map((parts) => parts.map(([s, gap]) => s + gap).join(''));

describe('splitSentences', () => {
  it('splits on sentence ends and line breaks, not on abbreviations', () => {
    const text = 'First one, e.g. this. Second!\nThird line\n\nNew paragraph? Yes.';
    const spans = splitSentences(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      'First one, e.g. this.',
      'Second!',
      'Third line',
      'New paragraph?',
      'Yes.',
    ]);
    expect(spans.map((s) => s.paragraphStart)).toEqual([true, false, false, true, false]);
  });
});

describe('chunkText', () => {
  it('packs sentences up to the target size with overlap', () => {
    const text = Array.from({ length: 10 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = chunkText(text, { targetSize: 90, overlap: 30 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.index).toBe(i);
      expect(chunk.text.length).toBeLessThanOrEqual(90);
      expect(chunk.text).toMatch(/^Sentence number \d is here\./);
      if (i > 0) expect(chunk.start).toBeLessThan(chunks[i - 1]!.end); // overlap
    }
  });

  it('returns nothing for blank text and one chunk for short text', () => {
    expect(chunkText('   \n ')).toEqual([]);
    expect(chunkText(' Short text. ')).toEqual([{ index: 0, text: 'Short text.', start: 1, end: 12 }]);
  });

  it('ends a half-full chunk at a paragraph break', () => {
    const text = `${'a '.repeat(30)}end.\n\nNext paragraph starts here.`;
    const chunks = chunkText(text, { targetSize: 100, overlap: 0 });
    expect(chunks.map((c) => c.text)).toEqual([`${'a '.repeat(30)}end.`, 'Next paragraph starts here.']);
  });

  it('property: text === stored.slice(start, end), ordered, bounded, covering every word', () => {
    fc.assert(
      fc.property(
        document,
        fc.integer({ min: 16, max: 400 }),
        fc.integer({ min: 0, max: 200 }),
        (stored, size, overlap) => {
          const chunks = chunkText(stored, { targetSize: size, overlap });
          const covered = new Uint8Array(stored.length);
          let previousStart = -1;
          for (const chunk of chunks) {
            expect(chunk.text).toBe(stored.slice(chunk.start, chunk.end));
            expect(chunk.text.length).toBeGreaterThan(0);
            expect(chunk.text.length).toBeLessThanOrEqual(size);
            expect(chunk.start).toBeGreaterThan(previousStart);
            previousStart = chunk.start;
            covered.fill(1, chunk.start, chunk.end);
          }
          for (let i = 0; i < stored.length; i++) {
            if (!/\s/.test(stored[i]!)) expect(covered[i]).toBe(1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
