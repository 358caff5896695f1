import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ServerSentEventDecoder } from '../../src/openai-client/server-sent-events.js';

describe('ServerSentEventDecoder', () => {
  it('returns the data of complete events and ignores comments and other fields', () => {
    const decoder = new ServerSentEventDecoder();
    expect(decoder.push(': keep-alive\n\nevent: x\ndata: {"a":1}\nid: 3\n\ndata:two\ndata: lines\n')).toEqual(
      ['{"a":1}'],
    );
    expect(decoder.push('\ndata: [DONE]\n\n')).toEqual(['two\nlines', '[DONE]']);
  });

  it('handles CRLF and CR line endings, including a CRLF split across chunks', () => {
    const decoder = new ServerSentEventDecoder();
    expect(decoder.push('data: a\r')).toEqual([]);
    expect(decoder.push('\n\r\ndata: b\r\r')).toEqual(['a']); // the last CR may still be half a CRLF
    expect(decoder.end()).toEqual(['b']);
  });

  it('gives the same events however the stream is split (property)', () => {
    const payloads = fc.array(fc.stringMatching(/^[a-z0-9 {}":,[\]]{0,20}$/), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        payloads,
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 10 }),
        (data, eol, cuts) => {
          const text = data.map((d) => `data: ${d}${eol}${eol}`).join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const decoder = new ServerSentEventDecoder();
          const events: string[] = [];
          let from = 0;
          for (const point of [...points, text.length]) {
            events.push(...decoder.push(text.slice(from, point)));
            from = point;
          }
          // a trailing lone CR is only known to end a line once more input (or the end) arrives
          events.push(...decoder.end());
          expect(events).toEqual(data);
        },
      ),
    );
  });
});
